// One component of the terms priced for a period: its model's charges, then guarantee, cap and
// minimum, in that order.
import type Decimal from 'decimal.js';
import { dsum, ZERO } from '../kernel/decimal';
import { applyComponentCap } from './cap';
import { chargeModel } from './charges';
import { applyComponentGuarantee, evaluateGuarantee, guaranteeCreditDraft } from './guarantee';
import { applyComponentMinimum } from './minimum';
import type { Ctx, Draft, Rounder } from './pricing-context';
import type { GuaranteeEvaluation, PriceComponent, PricingRefusal } from './types';

export interface ComponentPriced {
  drafts: Draft[];
  evaluation?: GuaranteeEvaluation;
  /** Unrounded net of the component after every modifier (used to price adjustments). */
  net: Decimal;
}

export function priceComponent(c: PriceComponent, key: string, ctx: Ctx, r: Rounder): ComponentPriced | PricingRefusal {
  const charges = chargeModel(c).charges(c, key, ctx);
  let evaluation: GuaranteeEvaluation | undefined;
  let credit = ZERO;
  if (c.guarantee) {
    const e = evaluateGuarantee(c.guarantee, ctx);
    if ('ok' in e) return e;
    evaluation = e.evaluation;
    credit = applyComponentGuarantee(c.guarantee, e, charges);
  }
  const gross = dsum(charges.map((ch) => ch.amount));
  const capped = applyComponentCap(c.cap, c.type, key, charges, credit, gross.minus(credit));

  const drafts: Draft[] = charges.map((ch) => ({
    key: ch.key,
    componentType: c.type,
    kind: ch.kind ?? 'charge',
    description: ch.description,
    quantity: ch.quantity,
    unitPrice: ch.unitPrice,
    unrounded: ch.amount,
    formula: ch.formula,
    inputs: ch.inputs,
    ...(evaluation ? { guarantee: evaluation } : {}),
    ...(ch.dimensions ? { dimensions: ch.dimensions } : {}),
  }));
  if (credit.greaterThan(0)) drafts.push(guaranteeCreditDraft(c.guarantee!, evaluation!, c.type, key, credit, gross));
  if (capped.capDraft) drafts.push(capped.capDraft);
  const floored = applyComponentMinimum(c.minimum, c.type, key, drafts, capped.net, r);
  if (floored.minimumDraft) drafts.push(floored.minimumDraft);
  return { drafts, evaluation, net: floored.net };
}
