// Caps: a component's net after its guarantee never exceeds its cap; the invoice's running sum
// never exceeds the invoice cap.
import type Decimal from 'decimal.js';
import { dec, fixed, plain } from '../kernel/decimal';
import { type Charge, type Draft, invoiceDraft } from './pricing-context';
import type { ComponentType } from './types';

/**
 * Bounds the component's net (charges − credit) by `cap`. A one-line component is clamped in
 * place (with a credit the charge becomes cap + credit, so the net is the cap); a breakdown gets
 * a separate `<key>:cap` line, returned here, since clamping several lines has no single right answer.
 */
export function applyComponentCap(
  cap: string | undefined,
  componentType: ComponentType,
  key: string,
  charges: Charge[],
  credit: Decimal,
  net: Decimal,
): { net: Decimal; capDraft?: Draft } {
  if (cap === undefined || !net.greaterThan(cap)) return { net };
  const k = dec(cap);
  if (charges.length === 1) {
    const ch = charges[0];
    ch.inputs.cap = cap;
    ch.inputs.uncappedAmount = plain(ch.amount);
    ch.amount = k.plus(credit);
    ch.formula = credit.isZero() ? `min(${ch.formula}, cap ${cap})` : `min(${ch.formula}, cap ${cap} + credit ${plain(credit)})`;
    return { net: k };
  }
  return {
    net: k,
    capDraft: {
      key: `${key}:cap`,
      componentType,
      kind: 'cap',
      description: `Cap of ${cap} per period`,
      quantity: '1',
      unitPrice: null,
      unrounded: k.minus(net),
      formula: `${cap} − ${plain(net)}`,
      inputs: { cap, uncapped: plain(net) },
    },
  };
}

export function invoiceCapDraft(cap: string | undefined, running: Decimal, decimals: number): Draft | undefined {
  if (cap === undefined || !running.greaterThan(cap)) return undefined;
  const base = fixed(running, decimals);
  return invoiceDraft('invoice:cap', 'cap', `Invoice cap of ${cap} per period`, dec(cap).minus(running), `${cap} − ${base}`, { cap, beforeCap: base });
}
