// Aggregate measures: sums over the outcomes of a group that a charge model needs beyond count,
// quantitySum and valueSum, each computed per outcome and summed in SQL (billing,
// src/invoicing/billing-inputs.repository.ts) or while streaming (the offline verifier, through
// `measureOfOutcome` below), never by loading a period's rows. Every measure is a plain sum over
// outcomes, so measures add like the other sums: billed + delta, and a reversal negates them.
import type Decimal from 'decimal.js';
import { dayNumber } from '../../kernel/calendar';
import { dec, dmax, dmin } from '../../kernel/decimal';

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
  | { kind: 'quantity_days'; outcomeType: string };

/** The name a measure has in `OutcomeAggregate.measures` (the outcome type is the row's own). */
export function measureKey(m: AggregateMeasure): string {
  if (m.kind === 'clamped_share') return `clamp(${m.rate} × value, ${m.min ?? '-inf'}, ${m.max ?? 'inf'})`;
  return 'quantity × local day';
}

/** What one outcome adds to a measure of its type; the offline verifier sums these. */
export function measureOfOutcome(m: AggregateMeasure, o: { quantity: string | null; value: string | null; localDate: string }): Decimal {
  if (m.kind === 'clamped_share') {
    let fee = dec(m.rate).times(o.value ?? '0');
    if (m.min !== null) fee = dmax(fee, dec(m.min));
    if (m.max !== null) fee = dmin(fee, dec(m.max));
    return fee;
  }
  return dec(o.quantity ?? '0').times(dayNumber(o.localDate));
}
