// Minimum commitments: a true-up line so that a component (or the invoice) totals exactly the
// minimum after rounding.
import type Decimal from 'decimal.js';
import { dec, dsum, fixed } from '../kernel/decimal';
import { type Draft, invoiceDraft, type Rounder } from './pricing-context';
import type { ComponentType } from './types';

/** The component's true-up, minimum − Σ its rounded lines, when its net falls short of the minimum. */
export function applyComponentMinimum(
  minimum: string | undefined,
  componentType: ComponentType,
  key: string,
  drafts: Draft[],
  net: Decimal,
  r: Rounder,
): { net: Decimal; minimumDraft?: Draft } {
  if (minimum === undefined || !net.lessThan(minimum)) return { net };
  const roundedSoFar = dsum(drafts.map((d) => r.round(d.unrounded)));
  const trueUp = dec(minimum).minus(roundedSoFar);
  if (!trueUp.greaterThan(0)) return { net: dec(minimum) };
  return {
    net: dec(minimum),
    minimumDraft: {
      key: `${key}:minimum`,
      componentType,
      kind: 'minimum_true_up',
      description: `Minimum commitment true-up to ${minimum}`,
      quantity: '1',
      unitPrice: null,
      unrounded: trueUp,
      formula: `${minimum} − ${fixed(roundedSoFar, r.decimals)}`,
      inputs: { minimum, componentLinesRounded: fixed(roundedSoFar, r.decimals) },
    },
  };
}

export function invoiceMinimumDraft(minimum: string | undefined, running: Decimal, decimals: number): Draft | undefined {
  if (minimum === undefined || !running.lessThan(minimum)) return undefined;
  const base = fixed(running, decimals);
  return invoiceDraft('invoice:minimum', 'minimum_true_up', `Minimum commitment true-up to ${minimum}`, dec(minimum).minus(running),
    `${minimum} − ${base}`, { minimum, beforeMinimum: base });
}
