// per_outcome: a unit price per verified outcome, optionally one line per value of a dimension.
import { dec, dsum, plain } from '../../kernel/decimal';
import { type Agg, aggInputs } from '../aggregate-index';
import { checkVerification } from '../checker';
import type { Charge } from '../pricing-context';
import type { ComponentBase, DecimalString, Verification } from '../types';
import type { ChargeModel } from './model';

export interface PerOutcomeComponent extends ComponentBase {
  type: 'per_outcome';
  unitPrice: DecimalString;
  outcomeType: string;
  verification: Verification;
  verifier?: string;
  /** Break the line down by this dimension (e.g. `hospital`): one line per value. */
  breakdownBy?: string;
}

export const perOutcome: ChargeModel<PerOutcomeComponent> = {
  type: 'per_outcome',
  fields: ['unitPrice', 'outcomeType', 'verification', 'verifier', 'breakdownBy'],
  outcomeTypeField: 'outcomeType',
  onePerOutcomeType: true,
  validate(c, comp, path) {
    c.decimal(comp, 'unitPrice', path, 'nonNegative', { required: true });
    c.string(comp, 'outcomeType', path, { required: true });
    checkVerification(c, comp, path, true);
    c.string(comp, 'breakdownBy', path);
  },
  breakdownBy: (c) => c.breakdownBy,
  charges(c, key, ctx) {
    const one = (row: Agg | undefined, lineKey: string, count: string, dimensions?: Record<string, string>, note = ''): Charge => ({
      key: lineKey,
      description: c.description
        ? `${c.description}${note}`
        : `${count} verified ${c.outcomeType} outcome${count === '1' ? '' : 's'} × ${c.unitPrice}${note}`,
      quantity: count,
      unitPrice: c.unitPrice,
      amount: dec(c.unitPrice).times(count),
      formula: `${c.unitPrice} × ${count}`,
      inputs: { outcomeType: c.outcomeType, unitPrice: c.unitPrice, ...aggInputs(row), count, ...(dimensions ? { dimensions } : {}) },
      ...(dimensions ? { dimensions } : {}),
    });
    const whole = ctx.aggregates.whole(c.outcomeType);
    if (c.breakdownBy === undefined) return [one(whole, key, whole?.count ?? '0')];
    const dim = c.breakdownBy;
    const rows = ctx.aggregates.byDimension(c.outcomeType, dim);
    if (rows.length === 0) return [one(whole, key, whole?.count ?? '0')];
    const charges = rows.map((row) => {
      const value = row.dimensions![dim];
      return one(row, `${key}[${dim}=${value}]`, row.count, { [dim]: value }, ` (${dim} ${value})`);
    });
    if (whole) {
      const rest = dec(whole.count).minus(dsum(rows.map((r) => dec(r.count))));
      if (rest.greaterThan(0)) {
        const charge = one(undefined, `${key}[${dim}=(none)]`, plain(rest), undefined, ` (without ${dim})`);
        charge.inputs.note = `whole-type count ${whole.count} minus the per-${dim} rows`;
        charges.push(charge);
      }
    }
    return charges;
  },
  adjustmentUnitPrice: (c) => c.unitPrice,
};
