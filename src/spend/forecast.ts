// The current period's forecast and spend figures: pure functions over the billing engine's
// input and output (no I/O, no clock), so that the forecast is the engine's own pricing of a
// scaled input, not a second pricing written here.
import { Decimal } from 'decimal.js';
import { dayNumber, activeDays } from '../pricing/period';
import { priceInvoice } from '../pricing';
import type { BillingPeriod, PricingContract, PricingInput, PricingResult } from '../pricing/types';
import { dec, plain } from '../kernel/decimal';

export const FORECAST_METHOD =
  'linear run-rate: the period’s verified outcome aggregates (counts, quantities, values) × total/elapsed days, ' +
  're-priced by the billing engine (so allowances, tiers, minimums and caps apply to the forecast); flat and area parts ' +
  'at full period; KPI measurements and adjustment lines as they stand; today counts as an elapsed day';

/** Days of the period the contract is active, and how many of them have begun by `today` (local date), at least 1. */
export function periodDays(period: BillingPeriod, contract: Pick<PricingContract, 'startsOn' | 'endsOn'>, today: string): { elapsed: number; total: number } {
  const total = activeDays(period, contract.startsOn, contract.endsOn);
  const from = Math.max(dayNumber(period.start), dayNumber(contract.startsOn));
  const elapsed = Math.min(total, Math.max(1, dayNumber(today) - from + 1));
  return { elapsed, total: Math.max(total, elapsed) };
}

/** Scaled aggregates carry at most this many decimals (the engine's input allows 12). */
const SCALED_DECIMALS = 6;

/** The engine input with every outcome aggregate of the period multiplied by `factor` (KPIs and adjustments untouched). */
export function scaledInput(input: PricingInput, factor: Decimal): PricingInput {
  const scale = (v: string) => plain(dec(v).times(factor).toDecimalPlaces(SCALED_DECIMALS, Decimal.ROUND_HALF_UP));
  const scaled = (aggs: PricingInput['aggregates']) => aggs.map((a) => ({ ...a, count: scale(a.count), quantitySum: scale(a.quantitySum), valueSum: scale(a.valueSum) }));
  return {
    ...input,
    aggregates: scaled(input.aggregates),
    // A period split by an amendment: every stretch at the same run-rate.
    ...(input.segments ? { segments: input.segments.map((s) => ({ ...s, aggregates: scaled(s.aggregates) })) } : {}),
  };
}

/** The forecast to period end: the engine's price of the aggregates scaled by total/elapsed days. */
export function forecastOf(input: PricingInput, days: { elapsed: number; total: number }): { factor: string; result: PricingResult } {
  const factor = dec(String(days.total)).dividedBy(days.elapsed);
  return { factor: plain(factor.toDecimalPlaces(SCALED_DECIMALS, Decimal.ROUND_HALF_UP)), result: priceInvoice(scaledInput(input, factor)) };
}

/** amount ÷ budget in percent, two decimals ("55.00"). */
export function shareOf(amount: string, budget: string): string {
  return dec(amount).times(100).dividedBy(budget).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
}

/** The thresholds (percent of the budget) that `amount` has reached: amount ≥ budget × t / 100. */
export function reachedThresholds(amount: string, budget: string, thresholds: readonly number[]): number[] {
  const a = dec(amount).times(100);
  return [...thresholds].filter((t) => a.greaterThanOrEqualTo(dec(budget).times(t))).sort((x, y) => x - y);
}
