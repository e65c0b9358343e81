// value_share: a rate of the verified value of an outcome type (savings, bad debt avoided).
import { dec, dsum, plain, ZERO } from '../../kernel/decimal';
import { aggInputs } from '../aggregate-index';
import { checkVerification } from '../checker';
import type { ComponentBase, DecimalString, Verification } from '../types';
import type { ChargeModel } from './model';

export interface ValueShareComponent extends ComponentBase {
  type: 'value_share';
  /** 0..1 */
  rate: DecimalString;
  outcomeType: string;
  verification: Verification;
  /** Name of the third party that verifies, when verification is `third_party`. */
  verifier?: string;
  /** Negative verified value yields a negative fee only when true (default false: floored at 0). */
  allowNegative?: boolean;
  /** The share is never below this (applied inside the line, unlike `minimum`). */
  floor?: DecimalString;
}

export const valueShare: ChargeModel<ValueShareComponent> = {
  type: 'value_share',
  fields: ['rate', 'outcomeType', 'verification', 'verifier', 'allowNegative', 'floor'],
  outcomeTypeField: 'outcomeType',
  onePerOutcomeType: true,
  outcomeMeasure: 'value',
  validate(c, comp, path) {
    c.decimal(comp, 'rate', path, 'rate', { required: true });
    c.string(comp, 'outcomeType', path, { required: true });
    checkVerification(c, comp, path, true);
    c.boolean(comp, 'allowNegative', path);
    c.decimal(comp, 'floor', path, 'nonNegative');
  },
  charges(c, key, ctx) {
    const row = ctx.aggregates.whole(c.outcomeType);
    const valueSum = row?.valueSum ?? '0';
    const raw = dec(c.rate).times(valueSum);
    let amount = raw;
    let formula = `${c.rate} × ${valueSum}`;
    const inputs: Record<string, unknown> = { outcomeType: c.outcomeType, rate: c.rate, ...aggInputs(row) };
    if (amount.isNegative() && !amount.isZero() && c.allowNegative !== true) {
      amount = ZERO;
      formula = `max(${formula}, 0)`;
      inputs.flooredAtZero = true;
    }
    if (c.floor !== undefined && amount.lessThan(c.floor)) {
      amount = dec(c.floor);
      formula = `max(${formula}, floor ${c.floor})`;
      inputs.floorApplied = c.floor;
    }
    return [
      {
        key,
        description: c.description ?? `${plain(dec(c.rate).times(100))}% of verified ${c.outcomeType}`,
        quantity: valueSum,
        unitPrice: null,
        amount,
        formula,
        inputs,
      },
    ];
  },
  adjustmentQuantity: (delta) => dsum(delta.map((row) => dec(row.valueSum))),
};
