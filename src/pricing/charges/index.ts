// The one table of charge models. Adding a model: a file in this folder (its component type,
// fields, validation, charges) and one line here; the union in types.ts gains its component.
import type { ComponentType, PriceComponent } from '../types';
import { flatFee } from './flat-fee';
import type { ChargeModel } from './model';
import { perArea } from './per-area';
import { perOutcome } from './per-outcome';
import { usage } from './usage';
import { valueShare } from './value-share';

export type { ChargeModel } from './model';

type Models = { [K in ComponentType]: ChargeModel<Extract<PriceComponent, { type: K }>> };

/** In the order parseTerms lists them in its error messages. */
export const CHARGE_MODELS: Models = {
  flat_fee: flatFee,
  value_share: valueShare,
  per_outcome: perOutcome,
  per_area: perArea,
  usage,
};

export const COMPONENT_TYPES = Object.keys(CHARGE_MODELS) as ComponentType[];

export function isComponentType(type: unknown): type is ComponentType {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(CHARGE_MODELS, type);
}

/** The model of a (valid) component. */
export function chargeModel<C extends PriceComponent>(component: C): ChargeModel<C> {
  return CHARGE_MODELS[component.type] as unknown as ChargeModel<C>;
}
