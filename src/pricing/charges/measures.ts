// Aggregate measures: sums over the outcomes of a group that a charge model needs beyond count,
// quantitySum and valueSum, each computed per outcome and summed in SQL (billing,
// src/invoicing/billing-inputs.repository.ts) or while streaming (the offline verifier, through
// `measureOfOutcome` below), never by loading a period's rows. Every measure is a plain sum over
// outcomes, so measures add like the other sums: billed + delta, and a reversal negates them.
import type Decimal from 'decimal.js';
import { dayNumber } from '../../kernel/calendar';
import { dec, dmax, dmin, ZERO } from '../../kernel/decimal';

/** Σ clamp(rate × value, min, max) over the outcomes of `outcomeType`: a per-transaction minimum and maximum. */
export interface ClampedShareMeasure {
  kind: 'clamped_share';
  outcomeType: string;
  rate: string;
  min: string | null;
  max: string | null;
}

export type AggregateMeasure =
  | ClampedShareMeasure
  /**
   * Σ quantity × day number of the outcome's local date (days since 1970-01-01 in the contract's
   * timezone). With quantitySum it gives Σ quantity × days from each outcome's date to any day E:
   * E × quantitySum − this, which is what prorated usage needs, whatever the period.
   */
  | { kind: 'quantity_days'; outcomeType: string }
  | CasesMeasure;

/**
 * Cases newly charged (or, on a reversal, given back) by a per_outcome component with
 * `chargeOncePer: dimension` (issue #19 item 2): Σ over outcomes of `caseCharge` below, which is 1 for
 * exactly one outcome of each case the invoice opens (or closes) and 0 for every other outcome, so the
 * sum is a distinct count of cases that still adds like a count (billed + delta, negated on reversal).
 */
export interface CasesMeasure {
  kind: 'cases';
  outcomeType: string;
  dimension: string;
}

/**
 * The role of an outcome in the invoice being priced, for a `cases` measure:
 * - `current`: billed by this invoice in its own period (+1);
 * - `late`: billed by this invoice in an earlier invoiced period, verified late (+1);
 * - `reversal`: billed before and taken back by this invoice (−1);
 * - `billed`: billed by invoices before this one and not taken back (an adjustment's `billed`).
 */
export type CaseRole = 'current' | 'late' | 'reversal' | 'billed';

/** What is known of an outcome's case (its value of the dimension) when the invoice is priced. */
export interface CaseFacts {
  /** The outcome comes first, by (occurred_at, id), among the outcomes of its case with the same role (and, for `billed`, the same period). */
  first: boolean;
  /** Some outcome of the case was billed (+1) and not taken back (−1) by the invoices before this one: the case is charged. */
  liveBefore: boolean;
  /** Some outcome of the case is still billed after this invoice: before and not reversed by it, or billed by it. */
  liveAfter: boolean;
  /** This invoice also bills an outcome of the case verified late (which comes earlier, so it takes the charge). */
  lateInInvoice: boolean;
}

/**
 * THE rule of charge-once-per-case, shared by billing (its SQL mirrors it in `caseChargeSql`,
 * src/invoicing/billing-inputs.repository.ts) and the offline verifier: what an outcome adds to a
 * `cases` measure. A case is charged by the earliest outcome that bills it while no outcome of the
 * case is billed; it stays charged while one of its billed outcomes is not reversed, so later outcomes
 * cost nothing; it is given back (on the reversal adjustment of its earliest reversed outcome) when
 * this invoice reverses the last of them. An outcome without the dimension is a case of its own.
 */
export function caseCharge(role: CaseRole, f: CaseFacts): 0 | 1 {
  if (!f.first) return 0;
  if (role === 'billed') return 1;
  if (role === 'reversal') return f.liveAfter ? 0 : 1;
  if (f.liveBefore) return 0;
  return role === 'current' && f.lateInInvoice ? 0 : 1;
}

/** The case of an outcome: its value of the dimension, or the outcome itself when it has none (`caseKeySql` in SQL). */
export function caseKeyOf(dimension: string, o: { id: string; dimensions: Record<string, unknown> }): string {
  const v = o.dimensions[dimension];
  if (v === undefined || v === null) return `id:${o.id}`;
  return `v:${typeof v === 'string' ? v : JSON.stringify(v)}`;
}

/** The name a measure has in `OutcomeAggregate.measures` (the outcome type is the row's own). */
export function measureKey(m: AggregateMeasure): string {
  if (m.kind === 'clamped_share') return `clamp(${m.rate} × value, ${m.min ?? '-inf'}, ${m.max ?? 'inf'})`;
  if (m.kind === 'cases') return `cases(${m.dimension})`;
  return 'quantity × local day';
}

/** What one outcome adds to a measure of its type; the offline verifier sums these. */
export function measureOfOutcome(
  m: AggregateMeasure,
  o: { quantity: string | null; value: string | null; localDate: string; caseCharge?: 0 | 1 },
): Decimal {
  // A case's charge depends on the other outcomes of the case: the caller works out `caseCharge` above.
  if (m.kind === 'cases') return o.caseCharge === 1 ? dec('1') : ZERO;
  if (m.kind === 'clamped_share') {
    let fee = dec(m.rate).times(o.value ?? '0');
    if (m.min !== null) fee = dmax(fee, dec(m.min));
    if (m.max !== null) fee = dmin(fee, dec(m.max));
    return fee;
  }
  return dec(o.quantity ?? '0').times(dayNumber(o.localDate));
}
