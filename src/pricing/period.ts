// Local-date helpers over 'YYYY-MM-DD' strings. Periods are [start, end) local dates in the
// contract's timezone, so no timezone arithmetic is needed here: a date is a day number.
import type { BillingPeriod, PricingContract } from './types';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

export function isIsoDate(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  const m = DATE.exec(text);
  if (!m) return false;
  const y = parseInt(m[1], 10);
  const mo = parseInt(m[2], 10);
  const d = parseInt(m[3], 10);
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Days since 1970-01-01 of a local date. */
export function dayNumber(date: string): number {
  if (!isIsoDate(date)) throw new RangeError(`not a YYYY-MM-DD date: ${String(date)}`);
  const m = DATE.exec(date)!;
  return Math.floor(Date.UTC(parseInt(m[1], 10), parseInt(m[2], 10) - 1, parseInt(m[3], 10)) / MS_PER_DAY);
}

export function fromDayNumber(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return fromDayNumber(dayNumber(date) + days);
}

/** Number of days from `a` to `b` (b − a); `daysBetween('2026-03-01', '2026-04-01') = 31`. */
export function daysBetween(a: string, b: string): number {
  return dayNumber(b) - dayNumber(a);
}

/** `monthPeriod('2026-03')` → `{ start: '2026-03-01', end: '2026-04-01' }`. */
export function monthPeriod(label: string): BillingPeriod {
  const m = /^(\d{4})-(\d{2})$/.exec(label);
  if (!m || parseInt(m[2], 10) < 1 || parseInt(m[2], 10) > 12) {
    throw new RangeError(`not a YYYY-MM month: ${String(label)}`);
  }
  const y = parseInt(m[1], 10);
  const mo = parseInt(m[2], 10);
  const nextY = mo === 12 ? y + 1 : y;
  const nextM = mo === 12 ? 1 : mo + 1;
  return { start: `${m[1]}-${m[2]}-01`, end: `${pad(nextY, 4)}-${pad(nextM, 2)}-01` };
}

/** `yearPeriod('2026')` → `{ start: '2026-01-01', end: '2027-01-01' }`. */
export function yearPeriod(label: string): BillingPeriod {
  if (!/^\d{4}$/.test(label)) throw new RangeError(`not a YYYY year: ${String(label)}`);
  const y = parseInt(label, 10);
  return { start: `${label}-01-01`, end: `${pad(y + 1, 4)}-01-01` };
}

/** The billing period of a label: 'YYYY-MM' for a monthly cycle, 'YYYY' for an annual one. */
export function periodForCycle(contract: Pick<PricingContract, 'billingCycle'>, label: string): BillingPeriod {
  return contract.billingCycle === 'annual' ? yearPeriod(label) : monthPeriod(label);
}

/** 'YYYY-MM' for a calendar month, 'YYYY' for a calendar year, else 'start..end'. */
export function periodLabel(period: BillingPeriod): string {
  const month = period.start.slice(0, 7);
  if (period.start.endsWith('-01') && monthPeriod(month).end === period.end) return month;
  const year = period.start.slice(0, 4);
  if (period.start.endsWith('-01-01') && yearPeriod(year).end === period.end) return year;
  return `${period.start}..${period.end}`;
}

/** Days of [start, end) that fall in the contract's [startsOn, endsOn + 1 day). */
export function activeDays(period: BillingPeriod, startsOn: string, endsOn?: string | null): number {
  const from = Math.max(dayNumber(period.start), dayNumber(startsOn));
  const until = endsOn ? Math.min(dayNumber(period.end), dayNumber(endsOn) + 1) : dayNumber(period.end);
  return Math.max(0, until - from);
}

export function isValidPeriod(period: unknown): period is BillingPeriod {
  if (!period || typeof period !== 'object') return false;
  const p = period as BillingPeriod;
  return isIsoDate(p.start) && isIsoDate(p.end) && dayNumber(p.end) > dayNumber(p.start);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
