// The hard limit of a contract's spend controls (#19 item 4): outcomes beyond the budget are
// recorded and shown but not billed. A cap on the period's outcome-priced lines (per outcome,
// usage, value share), never on flat or per-area parts: those are owed whatever the outcomes.
import type Decimal from 'decimal.js';
import { dec, fixed, plain, ZERO } from '../kernel/decimal';
import { type Draft, invoiceDraft } from './pricing-context';
import type { ComponentType, SpendLimit } from './types';

const OUTCOME_PRICED: ReadonlySet<ComponentType | 'invoice'> = new Set(['per_outcome', 'usage', 'value_share']);

/** Is this draft one of the period's own outcome-priced lines (not an adjustment of an earlier period)? */
export function isOutcomePriced(d: Pick<Draft, 'componentType' | 'adjustment'>): boolean {
  return OUTCOME_PRICED.has(d.componentType) && d.adjustment === undefined;
}

/**
 * The negative line that brings the outcome-priced lines down to what the budget leaves after the
 * other lines of the period (`running` is the period's sum so far, `outcomes` the outcome-priced
 * part of it, both rounded lines). Undefined when the outcomes fit in the budget.
 */
export function spendLimitDraft(limit: SpendLimit | undefined, running: Decimal, outcomes: Decimal, decimals: number): Draft | undefined {
  if (!limit) return undefined;
  const budget = dec(limit.budget);
  const other = running.minus(outcomes);
  const room = budget.minus(other).greaterThan(0) ? budget.minus(other) : ZERO;
  if (!outcomes.greaterThan(room)) return undefined;
  const o = fixed(outcomes, decimals);
  return invoiceDraft(
    'invoice:hard_limit',
    'spend_limit',
    `Outcomes beyond the budget of ${limit.budget}: not billed (hard limit)`,
    room.minus(outcomes),
    `max(0, ${limit.budget} − ${fixed(other, decimals)}) − ${o}`,
    { budget: limit.budget, outcomePriced: o, otherLines: fixed(other, decimals), billable: plain(room), ...(limit.controlsVersionId ? { controlsVersionId: limit.controlsVersionId } : {}) },
  );
}
