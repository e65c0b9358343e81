// Calendar rules over 'YYYY-MM-DD' local dates and 'YYYY-MM' / 'YYYY' period labels, and the
// local date of an instant in an IANA timezone. A local date is a day number: no timezone
// arithmetic past localDate().

/** `{ start, end }`: `[start, end)` as local dates. */
export interface DateRange {
  start: string; // YYYY-MM-DD
  end: string; // YYYY-MM-DD, exclusive
}

/** A month label `YYYY-MM`. */
export const MONTH_LABEL = /^\d{4}-(0[1-9]|1[0-2])$/;
/** The month part of a request's `YYYY-MM` range label, years 1970–2999 (evidence bundles, reports, statements). */
export const BOUNDED_MONTH_PATTERN = '(?:19[7-9]\\d|2\\d{3})-(?:0[1-9]|1[0-2])';
/** A request's `YYYY-MM` range label: a month of the years 1970–2999. */
export const BOUNDED_MONTH_LABEL = new RegExp(`^${BOUNDED_MONTH_PATTERN}$`);
/** A year label `YYYY`. */
export const YEAR_LABEL = /^\d{4}$/;
/** A billing period label: `YYYY-MM` (monthly contracts) or `YYYY` (annual contracts). */
export const PERIOD_LABEL = /^\d{4}(-(0[1-9]|1[0-2]))?$/;

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
export function monthPeriod(label: string): DateRange {
  if (typeof label !== 'string' || !MONTH_LABEL.test(label)) throw new RangeError(`not a YYYY-MM month: ${String(label)}`);
  const y = parseInt(label.slice(0, 4), 10);
  const mo = parseInt(label.slice(5, 7), 10);
  const nextY = mo === 12 ? y + 1 : y;
  const nextM = mo === 12 ? 1 : mo + 1;
  return { start: `${label}-01`, end: `${pad(nextY, 4)}-${pad(nextM, 2)}-01` };
}

/** `yearPeriod('2026')` → `{ start: '2026-01-01', end: '2027-01-01' }`. */
export function yearPeriod(label: string): DateRange {
  if (typeof label !== 'string' || !YEAR_LABEL.test(label)) throw new RangeError(`not a YYYY year: ${String(label)}`);
  const y = parseInt(label, 10);
  return { start: `${label}-01-01`, end: `${pad(y + 1, 4)}-01-01` };
}

/** The first day of the month after a `YYYY-MM` label: `nextMonthStart('2026-12')` → '2027-01-01'. */
export function nextMonthStart(label: string): string {
  return monthPeriod(label).end;
}

/** Month labels from `from` to `to` inclusive (`YYYY-MM`); empty when `to` is before `from`. */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const last = monthPeriod(to).start;
  for (let m = monthPeriod(from); m.start <= last; m = monthPeriod(m.end.slice(0, 7))) out.push(m.start.slice(0, 7));
  return out;
}

/** The first day of the calendar month (monthly) or year (annual) a local date falls in. */
export function periodStartOf(localDay: string, cycle: 'monthly' | 'annual'): string {
  return cycle === 'annual' ? `${localDay.slice(0, 4)}-01-01` : `${localDay.slice(0, 7)}-01`;
}

/** 'YYYY-MM' for a calendar month, 'YYYY' for a calendar year, else 'start..end'. */
export function periodLabel(period: DateRange): string {
  const month = period.start.slice(0, 7);
  if (period.start.endsWith('-01') && monthPeriod(month).end === period.end) return month;
  const year = period.start.slice(0, 4);
  if (period.start.endsWith('-01-01') && yearPeriod(year).end === period.end) return year;
  return `${period.start}..${period.end}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local calendar date (YYYY-MM-DD) of an instant in an IANA timezone. */
export function localDate(instant: Date | string, timeZone: string): string {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(typeof instant === 'string' ? new Date(instant) : instant);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

const dateTimeFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The local date and time of an instant in an IANA timezone with its offset, to the second:
 * `localDateTime('2026-11-03T01:15:00Z', 'Asia/Shanghai')` → '2026-11-03T09:15:00+08:00'.
 * Answers carry it beside the UTC instant so a customer reads its own day.
 */
export function localDateTime(instant: Date | string, timeZone: string): string {
  let format = dateTimeFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    dateTimeFormatters.set(timeZone, format);
  }
  const at = typeof instant === 'string' ? new Date(instant) : instant;
  const parts = format.formatToParts(at);
  const get = (type: string) => parseInt(parts.find((p) => p.type === type)!.value, 10);
  const [y, mo, d, h, mi, s] = [get('year'), get('month'), get('day'), get('hour'), get('minute'), get('second')];
  // Zone offsets are whole minutes, so the difference divides exactly.
  const offsetMinutes = (Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(at.getTime() / 1000) * 1000) / 60_000;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`
  );
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
