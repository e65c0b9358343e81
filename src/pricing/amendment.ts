// A billing period split by a mid-period amendment (issue #15 item 3): what each version's
// stretch owes of the amounts its terms state per period. The rule, and why, is in README.md
// ("Mid-period amendments"); the engine and adjustments.ts apply it, billing and the offline
// verifier feed it the same stretches (`periodStretches`).
import type Decimal from 'decimal.js';
import { Dec, dec, plain, ZERO } from '../kernel/decimal';
import { daysBetween } from './period';
import { versionSegments } from './terms-in-force';
import type { BillingPeriod, GuaranteeClause, PriceComponent, Stretch, Terms } from './types';

/** The stretch's place in the period: days from the first stretch's start to its start, to its end, and to the period's end. */
export interface StretchShare {
  before: number;
  through: number;
  covered: number;
}

export function stretchShare(period: BillingPeriod, s: Stretch): StretchShare {
  return { before: daysBetween(s.from, s.start), through: daysBetween(s.from, s.end), covered: daysBetween(s.from, period.end) };
}

/**
 * A per-period amount's part for the stretch: round(A × through/covered) − round(A × before/covered).
 * The cumulative form makes the parts of equal amounts add up to the amount exactly, whatever the
 * rounding (an allowance of 50 over a 14/17-day split is 22 + 28, not 22 + 27).
 */
export function stretchPart(amount: string, share: StretchShare, round: (v: Decimal) => Decimal): string {
  const at = (days: number) => round(dec(amount).times(days).div(share.covered));
  return plain(at(share.through).minus(at(share.before)));
}

const wholeDown = (v: Decimal) => v.toDecimalPlaces(0, Dec.ROUND_DOWN);
/** Units (free units) keep the terms' own 12 fraction digits. */
const units = (v: Decimal) => v.toDecimalPlaces(12, Dec.ROUND_HALF_UP);

function guaranteeFor(g: GuaranteeClause | undefined, money: (a: string) => string): GuaranteeClause | undefined {
  if (!g || g.creditIfMissed === undefined) return g;
  return { ...g, creditIfMissed: money(g.creditIfMissed) };
}

/**
 * The terms a stretch is priced with: its version's, with every amount stated per period prorated
 * by the stretch's days (money to the currency's minor unit, allowances of outcomes down to whole
 * outcomes). Rates, unit prices, tiers and bands are not amounts per period and stay as they are.
 */
export function termsForStretch(terms: Terms, share: StretchShare, roundMoney: (v: Decimal) => Decimal): Terms {
  const money = (a: string) => stretchPart(a, share, roundMoney);
  const opt = (a: string | undefined, f: (x: string) => string) => (a === undefined ? undefined : f(a));
  const components = terms.components.map((c): PriceComponent => {
    const out: Record<string, unknown> = { ...c };
    const set = (field: string, v: string | GuaranteeClause | undefined) => {
      if (v !== undefined) out[field] = v;
    };
    set('minimum', opt(c.minimum, money));
    set('cap', opt(c.cap, money));
    set('guarantee', guaranteeFor(c.guarantee, money));
    if (c.type === 'per_outcome') set('includedPerPeriod', opt(c.includedPerPeriod, (n) => stretchPart(n, share, wholeDown)));
    if (c.type === 'usage') set('freeUnits', opt(c.freeUnits, (n) => stretchPart(n, share, units)));
    if (c.type === 'value_share') {
      set('freeValue', opt(c.freeValue, money));
      set('floor', opt(c.floor, money));
    }
    return out as unknown as PriceComponent;
  });
  return { ...terms, components };
}

/**
 * The invoice-level minimum and cap of a split period: each version's prorated over its own
 * stretch, summed. A cap binds only when every version has one (a stretch without a cap is
 * uncapped, so the sum is too). The guarantee is the last version's (see README.md).
 */
export function invoiceLimitsOf(stretches: Array<{ terms: Terms; share: StretchShare }>, roundMoney: (v: Decimal) => Decimal): Pick<Terms, 'minimum' | 'cap'> {
  const sum = (pick: (t: Terms) => string | undefined, all: boolean): string | undefined => {
    const parts = stretches.map((s) => {
      const a = pick(s.terms);
      return a === undefined ? undefined : dec(stretchPart(a, s.share, roundMoney));
    });
    if (all ? parts.some((p) => p === undefined) : parts.every((p) => p === undefined)) return undefined;
    return plain(parts.reduce((acc: Decimal, p) => (p ? acc.plus(p) : acc), ZERO));
  };
  return { minimum: sum((t) => t.minimum, false), cap: sum((t) => t.cap, true) };
}

/** A stretch of a split period with the version governing it and the local dates its outcomes are read from. */
export interface PeriodStretch<T> extends Stretch {
  version: T;
  /** Outcomes dated in [readFrom, end) belong to it: the first stretch also reads days before any version. */
  readFrom: string;
}

/**
 * The stretches of `period` when an amendment takes effect inside it (null when one version
 * governs the whole period, which is then priced as it always was). Billing and the offline
 * verifier both cut periods here.
 */
export function periodStretches<T extends { id: string; effectiveFrom: string }>(versions: readonly T[], period: BillingPeriod): PeriodStretch<T>[] | null {
  const segments = versionSegments(versions, period);
  if (segments.length < 2) return null;
  const from = segments[0].start;
  return segments.map((s, i) => ({
    version: s.version,
    start: s.start,
    end: s.end,
    from,
    termsVersionId: s.version.id,
    readFrom: i === 0 ? period.start : s.start,
  }));
}

/** The suffix of a stretch's line keys: `flat_fee@2026-03-15`. */
export function stretchKey(key: string, s: Stretch): string {
  return `${key}@${s.start}`;
}
