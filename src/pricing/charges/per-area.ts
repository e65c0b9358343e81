// per_area: an annual rate per km² × the area, per period of the contract's cycle, prorated.
import { dec } from '../../kernel/decimal';
import type { ComponentBase, DecimalString } from '../types';
import type { ChargeModel } from './model';
import { periodFactor, prorationInputs, prorationNote } from './proration';

export interface PerAreaComponent extends ComponentBase {
  type: 'per_area';
  annualRatePerKm2: DecimalString;
  areaKm2: DecimalString;
}

export const perArea: ChargeModel<PerAreaComponent> = {
  type: 'per_area',
  fields: ['annualRatePerKm2', 'areaKm2'],
  validate(c, comp, path) {
    c.decimal(comp, 'annualRatePerKm2', path, 'nonNegative', { required: true });
    c.decimal(comp, 'areaKm2', path, 'nonNegative', { required: true });
  },
  charges(c, key, ctx) {
    const f = periodFactor(ctx, 'year');
    const amount = dec(c.annualRatePerKm2).times(c.areaKm2).times(f.num).div(f.den);
    return [
      {
        key,
        description: c.description ?? `${c.areaKm2} km² at ${c.annualRatePerKm2} per km² per year${prorationNote(ctx)}`,
        quantity: c.areaKm2,
        unitPrice: c.annualRatePerKm2,
        amount,
        formula: `${c.annualRatePerKm2} × ${c.areaKm2}${f.text}`,
        inputs: { annualRatePerKm2: c.annualRatePerKm2, areaKm2: c.areaKm2, ...prorationInputs(ctx, 'year') },
      },
    ];
  },
};
