// Pure rules of the reports: which outcome types carry value, ROI arithmetic, bands, payback.
// No Nest, no database: unit-tested beside this file. Money is Decimal in, string out.
import type Decimal from 'decimal.js';
import { Money } from '../common/money';
import { minorUnits } from '../kernel/currency';
import { knownOutcomeTypes } from '../pricing/terms';
import type { Terms } from '../pricing/types';

/** How one outcome type turns into money value for the customer. */
export interface ValueType {
  type: string;
  /** null: the outcome's own `value` (value shares); else count × this declared value per unit. */
  perUnit: string | null;
}

/** Value shares count their verified value; declared types count × valuePerUnit. */
export function valueTypesOf(terms: Terms): ValueType[] {
  const out = new Map<string, ValueType>();
  for (const c of terms.components) if (c.type === 'value_share') out.set(c.outcomeType, { type: c.outcomeType, perUnit: null });
  for (const [type, d] of Object.entries(terms.outcomeTypes ?? {}))
    if (d.valuePerUnit !== undefined && !out.has(type)) out.set(type, { type, perUnit: d.valuePerUnit });
  return [...out.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

/** The value_share rate(s) of the terms, e.g. "0.10" (several distinct rates joined with " / "); graduated bands have no single rate. */
export function shareRateOf(terms: Terms): string | null {
  const rates = [...new Set(terms.components.flatMap((c) => (c.type === 'value_share' && c.rate !== undefined ? [new Money(c.rate).toFixed()] : [])))];
  return rates.length ? rates.join(' / ') : null;
}

/** Outcome types a person (customer or third party) accepts or rejects: their acceptance rate means something. */
export function judgedTypesOf(terms: Terms): string[] {
  return [...knownOutcomeTypes(terms).entries()].filter(([, v]) => v !== 'auto').map(([t]) => t);
}

/** Scheme of a contract: its component types, sorted and joined with "+". */
export function schemeOf(terms: Terms): string {
  return [...new Set(terms.components.map((c) => c.type))].sort().join('+');
}

export function money(d: Decimal | string, currency: string): string {
  return new Money(d).toFixed(minorUnits(currency), Money.ROUND_HALF_UP);
}

export { roiPercent } from '../common/roi';

/** First month where the cumulative value reaches the cumulative fees (with fees paid so far). */
export function paybackMonth(months: Array<{ month: string; cumulativeValue: string; cumulativeFees: string }>): string | null {
  for (const m of months) {
    const fees = new Money(m.cumulativeFees);
    if (fees.greaterThan(0) && new Money(m.cumulativeValue).greaterThanOrEqualTo(fees)) return m.month;
  }
  return null;
}

/** ROI bands around the threshold; contracts without fees have no ROI. */
export function roiBand(roi: string | null, thresholdPercent: string): string {
  if (roi === null) return 'no fees';
  const r = new Money(roi);
  const t = new Money(thresholdPercent);
  if (r.lessThan(0)) return 'below 0%';
  if (r.lessThanOrEqualTo(t)) return `0% to ${t.toFixed()}%`;
  if (r.lessThan(100)) return `above ${t.toFixed()}% to 100%`;
  return '100% and above';
}

export const ROI_BAND_ORDER = (thresholdPercent: string): string[] => {
  const t = new Money(thresholdPercent).toFixed();
  return ['below 0%', `0% to ${t}%`, `above ${t}% to 100%`, '100% and above', 'no fees'];
};

/** Months `YYYY-MM` from `from` to `to` inclusive. */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map((s) => parseInt(s, 10));
  const [ty, tm] = to.split('-').map((s) => parseInt(s, 10));
  while (y < ty || (y === ty && m <= tm)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m++;
    if (m === 13) {
      m = 1;
      y++;
    }
  }
  return out;
}

export function nextMonthStart(label: string): string {
  const [y, m] = label.split('-').map((s) => parseInt(s, 10));
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}
