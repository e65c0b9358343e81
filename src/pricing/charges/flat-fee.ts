// flat_fee: a fixed amount per month or year × quantity (seats, production lines), prorated.
import { dec } from '../../kernel/decimal';
import type { ComponentBase, DecimalString } from '../types';
import type { ChargeModel } from './model';
import { periodFactor, prorationInputs, prorationNote } from './proration';

export interface FlatFeeComponent extends ComponentBase {
  type: 'flat_fee';
  amount: DecimalString;
  per: 'month' | 'year';
  /** Units billed (production lines, seats); default "1". */
  quantity?: DecimalString;
  unit?: string;
}

export const flatFee: ChargeModel<FlatFeeComponent> = {
  type: 'flat_fee',
  fields: ['amount', 'per', 'quantity', 'unit'],
  validate(c, comp, path) {
    c.decimal(comp, 'amount', path, 'nonNegative', { required: true });
    c.enumeration(comp, 'per', path, ['month', 'year'], { required: true });
    c.decimal(comp, 'quantity', path, 'nonNegative');
    c.string(comp, 'unit', path);
  },
  charges(c, key, ctx) {
    const quantity = c.quantity ?? '1';
    const f = periodFactor(ctx, c.per);
    const amount = dec(c.amount).times(quantity).times(f.num).div(f.den);
    const unit = c.unit ?? 'unit';
    return [
      {
        key,
        description: c.description ?? `${quantity} × ${unit} at ${c.amount} per ${c.per}${prorationNote(ctx)}`,
        quantity,
        unitPrice: c.amount,
        amount,
        formula: `${c.amount} × ${quantity}${f.text}`,
        inputs: { amount: c.amount, quantity, unit, ...prorationInputs(ctx, c.per) },
      },
    ];
  },
};
