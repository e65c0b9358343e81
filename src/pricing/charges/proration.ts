// Time-based fees (flat_fee, per_area): the contract's cycle factor and the active-day fraction.
import type Decimal from 'decimal.js';
import { dec, ONE } from '../../kernel/decimal';
import type { Ctx } from '../pricing-context';

/** Cycle factor × activeDays/periodDays as numerator, denominator and formula text. */
export function periodFactor(ctx: Ctx, per: 'month' | 'year'): { num: Decimal; den: Decimal; text: string } {
  let num = ONE;
  let den = ONE;
  let text = '';
  if (ctx.contract.billingCycle === 'monthly' && per === 'year') {
    den = dec('12');
    text = ' ÷ 12';
  } else if (ctx.contract.billingCycle === 'annual' && per === 'month') {
    num = dec('12');
    text = ' × 12';
  }
  if (ctx.activeDays < ctx.periodDays) {
    num = num.times(ctx.activeDays);
    den = den.times(ctx.periodDays);
    text = `${text} × ${ctx.activeDays}/${ctx.periodDays}`;
  }
  return { num, den, text };
}

export function prorationInputs(ctx: Ctx, per: 'month' | 'year'): Record<string, unknown> {
  return {
    billingCycle: ctx.contract.billingCycle,
    pricedPer: per,
    activeDays: ctx.activeDays,
    periodDays: ctx.periodDays,
    prorated: ctx.activeDays < ctx.periodDays,
  };
}

export function prorationNote(ctx: Ctx): string {
  return ctx.activeDays < ctx.periodDays ? `, prorated ${ctx.activeDays}/${ctx.periodDays} days` : '';
}
