// Pure rules of what-if simulations: the side-by-side of an invoice and the same period priced under
// proposed terms. No Nest, no database: unit-tested beside this file.
import { Money } from '../common/money';
import { monthsBetween } from '../kernel/calendar';
import { roiPercent } from '../common/roi';
import type { InvoiceLine } from '../pricing/types';

export interface Totals {
  subtotal: string;
  tax: string;
  total: string;
}

export interface ComparedLine {
  key: string;
  description: string;
  actual: string | null;
  simulated: string | null;
  difference: string | null;
}

type Line = Pick<InvoiceLine, 'key' | 'description' | 'amount'>;

/**
 * The lines of both sides by key: the invoice's in its order, then those only the simulation has.
 * A difference needs both sides priced (an invoice and a simulation the engine did not refuse); a
 * key one side lacks counts as 0 there.
 */
export function compareLines(actual: readonly Line[] | null, simulated: readonly Line[] | null, decimals: number): ComparedLine[] {
  const act = new Map((actual ?? []).map((l) => [l.key, l]));
  const sim = new Map((simulated ?? []).map((l) => [l.key, l]));
  const keys = [...act.keys(), ...[...sim.keys()].filter((k) => !act.has(k))];
  const both = actual !== null && simulated !== null;
  return keys.map((key) => {
    const a = act.get(key);
    const s = sim.get(key);
    return {
      key,
      description: (s ?? a)!.description,
      actual: a?.amount ?? null,
      simulated: s?.amount ?? null,
      difference: both ? new Money(s?.amount ?? 0).minus(a?.amount ?? 0).toFixed(decimals) : null,
    };
  });
}

/** `b − a`, in the currency's decimals. */
export function difference(a: string, b: string, decimals: number): string {
  return new Money(b).minus(a).toFixed(decimals);
}

/** Sums of rounded figures (each already in the currency's decimals). */
export function sumTotals(list: readonly Totals[], decimals: number): Totals {
  const sum = (f: keyof Totals) => list.reduce((acc, t) => acc.plus(t[f]), new Money(0)).toFixed(decimals);
  return { subtotal: sum('subtotal'), tax: sum('tax'), total: sum('total') };
}

/** What the results delivered in a period, by the contract's value basis (measured and agreed estimates apart). */
export interface PeriodValue {
  measured: string;
  estimated: string;
}

/** The months of the periods, by label: a monthly period is its month, an annual one its twelve. */
export function monthsOfPeriods(cycle: 'monthly' | 'annual', labels: readonly string[]): string[] {
  return labels.flatMap((l) => (cycle === 'annual' ? monthsBetween(`${l}-01`, `${l}-12`) : [l]));
}

/** A period's value from monthly value rows: the months whose label starts with the period's (`2026` holds `2026-03`). */
export function periodValue(rows: ReadonlyArray<{ month: string; estimated: boolean; value: string }>, label: string): PeriodValue {
  const mine = rows.filter((r) => r.month.startsWith(label));
  const sum = (estimated: boolean) => mine.filter((r) => r.estimated === estimated).reduce((acc, r) => acc.plus(r.value), new Money(0)).toFixed();
  return { measured: sum(false), estimated: sum(true) };
}

/** The values of several periods together. */
export function sumValues(values: readonly PeriodValue[]): PeriodValue {
  const sum = (f: keyof PeriodValue) => values.reduce((acc, v) => acc.plus(v[f]), new Money(0)).toFixed();
  return { measured: sum('measured'), estimated: sum('estimated') };
}

export interface RoiComparison {
  value: string;
  measuredValue: string;
  estimatedValue: string;
  /** Fees are subtotals before tax: what the customer pays for the results. */
  actualFees: string | null;
  simulatedFees: string | null;
  actualRoiPercent: string | null;
  simulatedRoiPercent: string | null;
  /** simulatedRoiPercent − actualRoiPercent, in percentage points. */
  roiPercentPointsDifference: string | null;
}

/**
 * ROI under each fee schedule: the same delivered value (the results do not change with the price)
 * weighed against the invoiced and the simulated subtotal. Null ROI where a side has no fees, and
 * no ROI at all without a value basis (`declared` false): never −100%.
 */
export function roiUnderEach(
  value: PeriodValue,
  actualFees: string | null,
  simulatedFees: string | null,
  declared: boolean,
  decimals: number,
): RoiComparison {
  const v = new Money(value.measured).plus(value.estimated);
  const a = declared && actualFees !== null ? roiPercent(v, actualFees) : null;
  const s = declared && simulatedFees !== null ? roiPercent(v, simulatedFees) : null;
  return {
    value: v.toFixed(decimals),
    measuredValue: new Money(value.measured).toFixed(decimals),
    estimatedValue: new Money(value.estimated).toFixed(decimals),
    actualFees,
    simulatedFees,
    actualRoiPercent: a,
    simulatedRoiPercent: s,
    roiPercentPointsDifference: a !== null && s !== null ? new Money(s).minus(a).toFixed(2) : null,
  };
}
