// Display formatting for portal pages. Amounts arrive as decimal strings and are handed to
// Intl.NumberFormat as strings: ECMA-402 formats a string operand as an exact decimal, so no JS
// number ever holds the value (a float would already be wrong at 2^53 minor units).

import { PLAIN_DECIMAL } from '../kernel/decimal';

export type Locale = 'zh-CN' | 'en';
export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];

const DECIMAL = PLAIN_DECIMAL;
export function formatMoney(amount: string | null | undefined, currency: string, locale: Locale): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  if (!DECIMAL.test(amount)) return amount;
  return cached(`c|${locale}|${currency}`, () => new Intl.NumberFormat(locale, { style: 'currency', currency })).format(amount as unknown as number);
}

// Intl formatters are costly to build (a page of 50 rows would build hundreds): one per locale and options.
const formats = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let f = formats.get(key) as T | undefined;
  if (!f) formats.set(key, (f = make()));
  return f;
}

/** A quantity or count, grouped, every digit kept. */
export function formatDecimal(v: string | number | null | undefined, locale: Locale): string {
  if (v === null || v === undefined || v === '') return '—';
  const s = String(v);
  if (!DECIMAL.test(s)) return s;
  return cached(`n|${locale}`, () => new Intl.NumberFormat(locale, { maximumFractionDigits: 20 })).format(s as unknown as number);
}

/** A ratio string ("0.78") as a percentage, from its digits. */
export function formatRate(rate: string | null | undefined, locale: Locale): string {
  if (rate === null || rate === undefined || !DECIMAL.test(rate)) return '—';
  return cached(`p|${locale}`, () => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 })).format(rate as unknown as number);
}

/** An already-percent figure ("245.10") with its sign. */
export function formatPercent(p: string | null | undefined, locale: Locale): string {
  if (p === null || p === undefined || !DECIMAL.test(p)) return '—';
  return `${formatDecimal(p, locale)} %`;
}

/** An instant in the contract's timezone, with the zone named. */
export function formatDateTime(iso: string | Date | null | undefined, timeZone: string, locale: Locale): string {
  if (!iso) return '—';
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  const f = cached(`dt|${locale}|${timeZone}`, () => new Intl.DateTimeFormat(locale, {
    timeZone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
  }));
  return f.format(d);
}

/** A calendar date (YYYY-MM-DD) as the date it is, in no timezone. */
export function formatDate(ymd: string | null | undefined, locale: Locale): string {
  if (!ymd) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(ymd);
  if (!m) return ymd;
  return cached(`d|${locale}`, () => new Intl.DateTimeFormat(locale, { timeZone: 'UTC', dateStyle: 'medium' })).format(new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`));
}

/** A month label (YYYY-MM). */
export function formatMonth(label: string, locale: Locale): string {
  const m = /^(\d{4})-(\d{2})$/.exec(label);
  if (!m) return label;
  return cached(`m|${locale}`, () => new Intl.DateTimeFormat(locale, { timeZone: 'UTC', year: 'numeric', month: 'long' })).format(new Date(`${label}-01T00:00:00Z`));
}

/** Whole days and hours from now until `until` (0 when past). */
export function timeLeft(until: Date, now: Date = new Date()): { days: number; hours: number; past: boolean } {
  const ms = until.getTime() - now.getTime();
  if (ms <= 0) return { days: 0, hours: 0, past: true };
  const hours = Math.floor(ms / 3_600_000);
  return { days: Math.floor(hours / 24), hours: hours % 24, past: false };
}

/** The browser's preferred portal language from Accept-Language (q-values honoured). */
export function localeFromAcceptLanguage(header: string | undefined): Locale | null {
  if (!header) return null;
  const tags = header
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^q=([\d.]+)$/.exec(p.trim())).find(Boolean);
      return { tag: tag.toLowerCase(), q: q ? parseFloat(q[1]) : 1 };
    })
    .filter((t) => t.tag && t.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of tags) {
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return null;
}
