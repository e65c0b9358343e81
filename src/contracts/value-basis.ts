// A contract's value basis: how verified outcomes and KPI points convert to money for the customer.
// Pure rules (no Nest, no database), unit-tested beside this file. Money is a decimal string.
import Decimal from 'decimal.js';
import { activeDays, daysBetween, monthPeriod } from '../pricing/period';
import { guaranteeKpis, knownOutcomeTypes } from '../pricing/terms';
import type { Terms } from '../pricing/types';

/**
 * - `measured`: the verified outcomes' own `value` (savings, bad debt avoided);
 * - `per_unit`: Σ verified quantity (1 when none) × `unitValue`;
 * - `per_kpi_point`: (the month's average verified KPI − `baseline`) × `unitValue` per month;
 * - `per_recurring_unit`: a licence's units in service (`outcomeType` names a flat fee's `unit`, such as
 *   `seat`): `unitValue` per unit per month × the fee's quantity × active days ÷ days in the month — the
 *   value a customer puts on a seat, weighed against what the seat costs.
 */
export type ValueMethod = 'measured' | 'per_unit' | 'per_kpi_point' | 'per_recurring_unit';
export const VALUE_METHODS: readonly ValueMethod[] = ['measured', 'per_unit', 'per_kpi_point', 'per_recurring_unit'];

export interface ValueBasisItem {
  outcomeType: string;
  method: ValueMethod;
  unitValue?: string;
  baseline?: string;
  /** An agreed estimate (true), or value the outcomes themselves measure (false). */
  estimated: boolean;
  description: string;
}

/** A version as the reports use it: a declared version, or the basis the terms imply (id null). */
export interface ValueBasisVersionRow {
  id: string | null;
  contract_id: string;
  effective_from: string;
  description: string | null;
  items: ValueBasisItem[];
}

export interface BasisFieldError {
  field: string;
  message: string;
}

/** Structural rules a DTO cannot express: each method's figures, one item per type. */
export function basisItemErrors(items: ReadonlyArray<Omit<ValueBasisItem, 'estimated'> & { estimated?: boolean }>): BasisFieldError[] {
  const errors: BasisFieldError[] = [];
  const seen = new Set<string>();
  items.forEach((it, i) => {
    if (seen.has(it.outcomeType)) errors.push({ field: `items[${i}].outcomeType`, message: `${it.outcomeType} has a basis already in this version` });
    seen.add(it.outcomeType);
    if (it.method === 'measured') {
      if (it.unitValue !== undefined) errors.push({ field: `items[${i}].unitValue`, message: 'a measured basis counts the outcomes’ own value: no unitValue' });
      if (it.baseline !== undefined) errors.push({ field: `items[${i}].baseline`, message: 'only a per_kpi_point basis has a baseline' });
    } else {
      if (it.unitValue === undefined) errors.push({ field: `items[${i}].unitValue`, message: `is required for ${it.method}` });
      if (it.method !== 'per_kpi_point' && it.baseline !== undefined) errors.push({ field: `items[${i}].baseline`, message: 'only a per_kpi_point basis has a baseline' });
    }
  });
  return errors;
}

/** Units a licence's flat fees bill per month (`seat` → 25), by `unit`; fees per year count a twelfth. */
export function recurringUnits(terms: Terms): Map<string, Decimal> {
  const units = new Map<string, Decimal>();
  for (const c of terms.components)
    if (c.type === 'flat_fee' && c.unit !== undefined) units.set(c.unit, (units.get(c.unit) ?? new Decimal(0)).plus(c.quantity ?? '1'));
  return units;
}

/** per_recurring_unit for one month: unitValue × units × active days ÷ days in the month (a decimal string). */
export function recurringUnitValue(item: Pick<ValueBasisItem, 'outcomeType' | 'unitValue'>, terms: Terms, month: string, startsOn: string, endsOn: string | null): string {
  const period = monthPeriod(month);
  const days = activeDays(period, startsOn, endsOn);
  const units = recurringUnits(terms).get(item.outcomeType) ?? new Decimal(0);
  return new Decimal(item.unitValue ?? '0').times(units).times(days).div(daysBetween(period.start, period.end)).toFixed();
}

/**
 * Items naming what the terms in force do not have: an outcome type they neither price nor declare
 * nor read as a guarantee KPI, or (per_recurring_unit) a unit no flat fee bills.
 */
export function undeclaredTypeErrors(items: ReadonlyArray<{ outcomeType: string; method?: ValueMethod }>, terms: Terms): BasisFieldError[] {
  const declared = new Set([...knownOutcomeTypes(terms).keys(), ...guaranteeKpis(terms)]);
  const names = [...declared].sort().join(', ') || 'none';
  const units = [...recurringUnits(terms).keys()].sort();
  return items.flatMap((it, i) => {
    if (it.method === 'per_recurring_unit')
      return units.includes(it.outcomeType)
        ? []
        : [{ field: `items[${i}].outcomeType`, message: `${it.outcomeType} is not a unit a flat fee of the contract’s terms bills (units: ${units.join(', ') || 'none'})` }];
    return declared.has(it.outcomeType) ? [] : [{ field: `items[${i}].outcomeType`, message: `${it.outcomeType} is not an outcome type of the contract’s terms (declared: ${names})` }];
  });
}

/** An item as stored: a per_kpi_point baseline defaults to 0, `estimated` to what the method implies. */
export function basisItemOf(i: Omit<ValueBasisItem, 'estimated'> & { estimated?: boolean }): ValueBasisItem {
  return {
    outcomeType: i.outcomeType,
    method: i.method,
    ...(i.unitValue !== undefined ? { unitValue: i.unitValue } : {}),
    ...(i.method === 'per_kpi_point' ? { baseline: i.baseline ?? '0' } : {}),
    estimated: i.estimated ?? defaultEstimated(i.method),
    description: i.description,
  };
}

/** A measured item is not an estimate unless said; a figure agreed per unit or per point is. */
export function defaultEstimated(method: ValueMethod): boolean {
  return method !== 'measured';
}

/** What the terms alone imply: value shares are measured value; a declared valuePerUnit is an agreed estimate. */
export function basisFromTerms(terms: Terms): ValueBasisItem[] {
  const out = new Map<string, ValueBasisItem>();
  for (const c of terms.components)
    if (c.type === 'value_share' && !out.has(c.outcomeType))
      out.set(c.outcomeType, { outcomeType: c.outcomeType, method: 'measured', estimated: false, description: 'verified value (the value the share is billed on)' });
  for (const [type, d] of Object.entries(terms.outcomeTypes ?? {}))
    if (d.valuePerUnit !== undefined && !out.has(type))
      out.set(type, { outcomeType: type, method: 'per_unit', unitValue: d.valuePerUnit, estimated: true, description: 'valuePerUnit in the terms' });
  return [...out.values()].sort((a, b) => (a.outcomeType < b.outcomeType ? -1 : a.outcomeType > b.outcomeType ? 1 : 0));
}

/** One line for the reader: `report: 40.00 per verified unit, agreed estimate (radiologist time saved)`. */
export function describeItem(it: ValueBasisItem): string {
  const figure =
    it.method === 'measured'
      ? 'verified value'
      : it.method === 'per_unit'
        ? `${new Decimal(it.unitValue!).toFixed()} per verified unit`
        : it.method === 'per_recurring_unit'
          ? `${new Decimal(it.unitValue!).toFixed()} per ${it.outcomeType} in service per month`
          : `${new Decimal(it.unitValue!).toFixed()} per point above a baseline of ${new Decimal(it.baseline ?? '0').toFixed()}, per month`;
  return `${it.outcomeType}: ${figure}, ${it.estimated ? 'agreed estimate' : 'measured'} (${it.description})`;
}
