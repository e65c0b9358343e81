// The pricing engine: terms + verified aggregates of a period → invoice lines and a trace.
// Pure: no I/O, no clock, no locale. Every amount is a Decimal, computed unrounded and rounded
// once per line; the subtotal is the sum of rounded lines; tax is rounded once on the subtotal.
// The charge models are in charges/, modifiers in guarantee.ts, cap.ts and minimum.ts,
// adjustments in adjustments.ts; this file keeps the input checks, rounding, totals and the trace.
import { canonicalJson, sha256Hex } from '../kernel/canonical-json';
import { minorUnits } from '../kernel/currency';
import { dec, dsum, fixed, plain, roundTo, ZERO } from '../kernel/decimal';
import { adjustmentDrafts } from './adjustments';
import { AggregateIndex } from './aggregate-index';
import { invoiceCapDraft } from './cap';
import { priceComponent } from './component';
import { evaluateGuarantee, invoiceGuaranteeDraft } from './guarantee';
import { checkDecimal, PricingInputError } from './input-error';
import { invoiceMinimumDraft } from './minimum';
import { isOutcomePriced, spendLimitDraft } from './spend-limit';
import { activeDays, addDays, daysBetween, isIsoDate, isValidPeriod } from './period';
import { invoiceLimitsOf, stretchKey, stretchShare, type StretchShare, termsForStretch } from './amendment';
import type { Ctx, Draft, Rounder } from './pricing-context';
import { componentKey, parseTerms } from './terms';
import type {
  BillingPeriod,
  CalculationTrace,
  GuaranteeEvaluation,
  InvoiceLine,
  OutcomeAggregate,
  PricedInvoice,
  PricingContract,
  PricingInput,
  PricingRefusal,
  PricingResult,
  RoundingMode,
  Terms,
  TermsFieldError,
  TermsSegment,
  TraceLine,
} from './types';

export { PricingInputError } from './input-error';
export { pickMeasurement } from './guarantee';
export { usageAmount } from './charges/usage';

import { ENGINE_VERSION } from './version';

export { ENGINE_VERSION };

// ---------------------------------------------------------------------------------------------
// Input checks

function checkContract(contract: PricingContract): number {
  if (!contract || typeof contract !== 'object') throw new PricingInputError('contract is required');
  let decimals: number;
  try {
    decimals = minorUnits(contract.currency);
  } catch {
    throw new PricingInputError(`contract.currency is not an ISO 4217 code: ${JSON.stringify(contract.currency)}`);
  }
  const rate = checkDecimal(contract.taxRate, 'contract.taxRate');
  if (dec(rate).lessThan(0) || dec(rate).greaterThan(1)) throw new PricingInputError('contract.taxRate must be between 0 and 1');
  if (!isIsoDate(contract.startsOn)) throw new PricingInputError('contract.startsOn must be YYYY-MM-DD');
  if (contract.endsOn !== undefined && contract.endsOn !== null) {
    if (!isIsoDate(contract.endsOn) || daysBetween(contract.startsOn, contract.endsOn) < 0) {
      throw new PricingInputError('contract.endsOn must be a YYYY-MM-DD date on or after startsOn');
    }
  }
  if (contract.billingCycle !== 'monthly' && contract.billingCycle !== 'annual') {
    throw new PricingInputError('contract.billingCycle must be monthly or annual');
  }
  return decimals;
}

function checkPeriod(period: BillingPeriod, what: string): void {
  if (!isValidPeriod(period)) throw new PricingInputError(`${what} must be { start, end } YYYY-MM-DD dates with start < end`);
}

function termsRefusal(errors: TermsFieldError[], prefix: string): PricingRefusal {
  const list = errors.map((e) => ({ path: prefix === '' ? e.path : `${prefix}.${e.path}`.replace(/\.$/, ''), message: e.message }));
  return {
    ok: false,
    code: 'TERMS_INVALID',
    reason: `the terms are invalid: ${list.map((e) => `${e.path || '(root)'}: ${e.message}`).join('; ')}`,
    details: { errors: list },
  };
}

function contractForTrace(c: PricingContract): PricingContract {
  return {
    currency: c.currency,
    timezone: c.timezone,
    taxRate: c.taxRate,
    startsOn: c.startsOn,
    ...(c.endsOn ? { endsOn: c.endsOn } : {}),
    billingCycle: c.billingCycle,
  };
}

// ---------------------------------------------------------------------------------------------
// Split periods (a mid-period amendment): the stretches, checked

/** What one pass of component pricing reads: the terms, the outcomes and the active days. */
interface Part {
  terms: Terms;
  aggregates: OutcomeAggregate[];
  activeDays: number;
  segment?: TermsSegment;
}

/** Two or more contiguous stretches ending at the period's end, each with valid terms. */
function checkSegments(input: PricingInput, period: BillingPeriod): Array<{ segment: TermsSegment; terms: Terms; share: StretchShare }> | PricingRefusal {
  const segments = input.segments!;
  if (!Array.isArray(segments) || segments.length < 2) throw new PricingInputError('segments must hold two or more stretches of the period');
  if ((input.aggregates ?? []).length) throw new PricingInputError('a split period carries its aggregates in its segments');
  const out: Array<{ segment: TermsSegment; terms: Terms; share: StretchShare }> = [];
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    const prev = i === 0 ? null : segments[i - 1];
    const ok =
      isIsoDate(s.start) && isIsoDate(s.end) && s.from === segments[0].start && s.start < s.end &&
      (prev ? s.start === prev.end : s.start >= period.start) && (i < segments.length - 1 || s.end === period.end);
    if (!ok) throw new PricingInputError(`segments[${i}] must continue the stretches before it inside the period (the last ending at its end)`);
    const parsed = parseTerms(s.terms, { stored: true });
    if (!parsed.ok) return termsRefusal(parsed.errors, `segments[${i}].terms`);
    out.push({ segment: s, terms: parsed.terms, share: stretchShare(period, s) });
  }
  return out;
}

/** A stretch's line says which days and version it charges for. */
function inStretch(d: Draft, s: TermsSegment): Draft {
  return {
    ...d,
    description: `${d.description} (${s.start} – ${addDays(s.end, -1)})`,
    inputs: { ...d.inputs, stretch: { start: s.start, end: s.end, termsVersionId: s.termsVersionId ?? null } },
  };
}

function segmentForTrace(s: TermsSegment): NonNullable<CalculationTrace['segments']>[number] {
  return { start: s.start, end: s.end, days: daysBetween(s.start, s.end), termsVersionId: s.termsVersionId ?? null, termsSha256: sha256Hex(canonicalJson(s.terms)) };
}

// ---------------------------------------------------------------------------------------------
// The invoice

export function priceInvoice(input: PricingInput): PricingResult {
  const decimals = checkContract(input.contract);
  checkPeriod(input.period, 'period');
  // The engine prices stored terms: rules for new terms only (double pricing) must not refuse them.
  const parsed = parseTerms(input.terms, { stored: true });
  if (!parsed.ok) return termsRefusal(parsed.errors, '');
  const terms = parsed.terms;
  const adjustments = input.adjustments ?? [];
  const adjustmentTerms: Terms[] = [];
  for (let a = 0; a < adjustments.length; a++) {
    const p = parseTerms(adjustments[a].terms, { stored: true });
    if (!p.ok) return termsRefusal(p.errors, `adjustments[${a}].terms`);
    checkPeriod(adjustments[a].period, `adjustments[${a}].period`);
    adjustmentTerms.push(p.terms);
  }

  const contract = input.contract;
  const period = { start: input.period.start, end: input.period.end };
  const active = activeDays(period, contract.startsOn, contract.endsOn);
  if (active === 0) {
    return {
      ok: false,
      code: 'PERIOD_OUTSIDE_CONTRACT',
      reason: `the period ${period.start}..${period.end} lies outside the contract (${contract.startsOn}..${contract.endsOn ?? 'open-ended'})`,
      details: { period, startsOn: contract.startsOn, endsOn: contract.endsOn ?? null },
    };
  }
  const mode: RoundingMode = terms.rounding ?? 'HALF_UP';
  const r: Rounder = { mode, decimals, round: (v) => roundTo(v, decimals, mode) };
  const periodDays = daysBetween(period.start, period.end);
  const kpis = input.kpis ?? [];

  // The parts priced: the whole period under `terms`, or each stretch of a split period under
  // its own version (prorated per-period amounts, its own outcomes, its own days).
  const split = input.segments;
  let parts: Part[];
  let invoiceTerms: Pick<Terms, 'minimum' | 'cap' | 'guarantee'> = terms;
  if (split) {
    const checked = checkSegments(input, period);
    if ('ok' in checked) return checked;
    parts = checked.map((s) => ({
      terms: termsForStretch(s.terms, s.share, r.round),
      aggregates: s.segment.aggregates,
      activeDays: activeDays({ start: s.segment.start, end: s.segment.end }, contract.startsOn, contract.endsOn),
      segment: s.segment,
    }));
    invoiceTerms = { ...invoiceLimitsOf(checked, r.round), guarantee: terms.guarantee };
  } else parts = [{ terms, aggregates: input.aggregates ?? [], activeDays: active }];
  // The whole period's context: invoice-level guarantees read the period's KPIs.
  const ctx: Ctx = {
    contract,
    period,
    periodDays,
    activeDays: active,
    kpis,
    aggregates: new AggregateIndex([split ? [] : (input.aggregates ?? [])], 'aggregates'),
    adjustment: false,
  };

  const drafts: Draft[] = [];
  const guarantees: GuaranteeEvaluation[] = [];
  for (const part of parts) {
    const partCtx: Ctx = split
      ? { ...ctx, activeDays: part.activeDays, aggregates: new AggregateIndex([part.aggregates], `segments[${part.segment!.start}].aggregates`) }
      : ctx;
    for (let i = 0; i < part.terms.components.length; i++) {
      const key = componentKey(part.terms, i);
      const priced = priceComponent(part.terms.components[i], part.segment ? stretchKey(key, part.segment) : key, partCtx, r);
      if ('ok' in priced) return priced;
      drafts.push(...(part.segment ? priced.drafts.map((d) => inStretch(d, part.segment!)) : priced.drafts));
      if (priced.evaluation) guarantees.push(priced.evaluation);
    }
  }
  const componentTotal = dsum(drafts.map((d) => r.round(d.unrounded)));
  const outcomePriced = dsum(drafts.filter(isOutcomePriced).map((d) => r.round(d.unrounded)));

  const usedKeys = new Set(drafts.map((d) => d.key));
  adjustments.forEach((adj, a) => drafts.push(...adjustmentDrafts(adj, adjustmentTerms[a], contract, r, usedKeys)));

  // Invoice-level modifiers over the sum of this period's (rounded) component lines.
  let running = componentTotal;
  const add = (d: Draft | undefined): void => {
    if (!d) return;
    drafts.push(d);
    running = running.plus(r.round(d.unrounded));
  };
  if (invoiceTerms.guarantee) {
    const e = evaluateGuarantee(invoiceTerms.guarantee, ctx);
    if ('ok' in e) return e;
    guarantees.push(e.evaluation);
    add(invoiceGuaranteeDraft(invoiceTerms.guarantee, e, running, decimals));
  }
  add(invoiceCapDraft(invoiceTerms.cap, running, decimals));
  // After the terms' own cap, before the minimum commitment (which the customer owes regardless).
  if (input.spendLimit) {
    checkDecimal(input.spendLimit.budget, 'spendLimit.budget');
    add(spendLimitDraft(input.spendLimit, running, outcomePriced, decimals));
  }
  add(invoiceMinimumDraft(invoiceTerms.minimum, running, decimals));

  // Round each line once; totals are sums of rounded lines.
  const lines: InvoiceLine[] = [];
  const traceLines: TraceLine[] = [];
  let subtotal = ZERO;
  for (const d of drafts) {
    const rounded = r.round(d.unrounded);
    subtotal = subtotal.plus(rounded);
    const amount = fixed(rounded, decimals);
    const unrounded = plain(d.unrounded);
    lines.push({
      key: d.key,
      componentType: d.componentType,
      kind: d.kind,
      description: d.description,
      quantity: d.quantity,
      unitPrice: d.unitPrice,
      unroundedAmount: unrounded,
      amount,
      ...(d.dimensions ? { dimensions: d.dimensions } : {}),
      ...(d.adjustment ? { adjustment: d.adjustment } : {}),
    });
    traceLines.push({
      key: d.key,
      formula: d.formula,
      inputs: d.inputs,
      ...(d.guarantee ? { guarantee: d.guarantee } : {}),
      rounding: { mode, decimals, unrounded, rounded: amount },
    });
  }
  const taxUnrounded = subtotal.times(contract.taxRate);
  const tax = r.round(taxUnrounded);
  const total = subtotal.plus(tax);
  const trace: CalculationTrace = {
    engineVersion: ENGINE_VERSION,
    contract: contractForTrace(contract),
    period,
    ...(split ? { segments: split.map(segmentForTrace) } : {}),
    lines: traceLines,
    subtotal: fixed(subtotal, decimals),
    tax: { rate: contract.taxRate, unrounded: plain(taxUnrounded), amount: fixed(tax, decimals) },
    total: fixed(total, decimals),
  };
  const traceJson = canonicalJson(trace);
  const result: PricedInvoice = {
    ok: true,
    currency: contract.currency,
    lines,
    subtotal: trace.subtotal,
    taxRate: contract.taxRate,
    tax: trace.tax.amount,
    total: trace.total,
    guarantees,
    trace,
    traceJson,
    traceDigest: sha256Hex(traceJson),
  };
  return result;
}
