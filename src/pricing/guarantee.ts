// Guarantees: which KPI measurement a guarantee reads, whether it is met, and what a miss does
// (a multiplier on each charge, or a credit line; at invoice level a guarantee_credit line).
import type Decimal from 'decimal.js';
import { dec, dmax, dmin, dsum, fixed, ONE, plain, ZERO } from '../kernel/decimal';
import { compareStrings } from './aggregate-index';
import { checkDecimal, PricingInputError } from './input-error';
import { type Charge, type Ctx, type Draft, invoiceDraft } from './pricing-context';
import type { BillingPeriod, ComponentType, GuaranteeClause, GuaranteeEvaluation, KpiMeasurement, PricingRefusal } from './types';

function measurementTime(k: KpiMeasurement): number {
  const t = Date.parse(k.occurredAt);
  if (!Number.isFinite(t)) throw new PricingInputError(`KPI measurement ${k.outcomeId}: occurredAt is not ISO 8601: ${k.occurredAt}`);
  return t;
}

/** The measurement a guarantee reads: the latest occurredAt, ties broken by the greatest outcomeId. */
export function pickMeasurement(kpis: KpiMeasurement[], kpi: string): KpiMeasurement | undefined {
  let best: KpiMeasurement | undefined;
  for (const k of kpis) {
    if (k.kpi !== kpi) continue;
    if (!best) {
      best = k;
      continue;
    }
    const dt = measurementTime(k) - measurementTime(best);
    if (dt > 0 || (dt === 0 && compareStrings(k.outcomeId, best.outcomeId) > 0)) best = k;
  }
  return best;
}

function compare(measured: Decimal, comparator: GuaranteeClause['comparator'], threshold: Decimal): boolean {
  switch (comparator) {
    case 'gte':
      return measured.greaterThanOrEqualTo(threshold);
    case 'gt':
      return measured.greaterThan(threshold);
    case 'lte':
      return measured.lessThanOrEqualTo(threshold);
    case 'lt':
      return measured.lessThan(threshold);
  }
}

export interface Evaluated {
  evaluation: GuaranteeEvaluation;
  missed: boolean;
}

function missingRefusal(kpi: string, period: BillingPeriod): PricingRefusal {
  return {
    ok: false,
    code: 'KPI_MEASUREMENT_MISSING',
    reason: `no verified ${kpi} measurement for the period`,
    details: { kpi, period: { start: period.start, end: period.end } },
  };
}

export function evaluateGuarantee(g: GuaranteeClause, ctx: Ctx): Evaluated | PricingRefusal {
  const effectIfMissed = g.multiplierIfMissed !== undefined ? `× ${g.multiplierIfMissed}` : `− ${g.creditIfMissed}`;
  const base = { kpi: g.kpi, comparator: g.comparator, threshold: g.threshold };
  const m = pickMeasurement(ctx.kpis, g.kpi);
  if (!m) {
    const when = g.whenMissing ?? 'block';
    if (when === 'block' && !ctx.adjustment) return missingRefusal(g.kpi, ctx.period);
    const missed = when === 'assume_missed';
    return {
      missed,
      evaluation: {
        ...base,
        measured: null,
        measurementId: null,
        result: missed ? 'assumed_missed' : 'assumed_met',
        effect: missed
          ? `${effectIfMissed} (no measurement: whenMissing ${when})`
          : `none (no measurement: ${when === 'block' ? 'adjustment of an invoiced period, treated as met' : `whenMissing ${when}`})`,
      },
    };
  }
  const value = checkDecimal(m.value, `kpis[${m.outcomeId}].value`);
  const met = compare(dec(value), g.comparator, dec(g.threshold));
  return {
    missed: !met,
    evaluation: { ...base, measured: value, measurementId: m.outcomeId, result: met ? 'met' : 'missed', effect: met ? 'none' : effectIfMissed },
  };
}

/**
 * A component's missed guarantee: a multiplier multiplies each charge in place; a credit is
 * returned, min(creditIfMissed, max(Σ charges, 0)), for its own line. Zero when met.
 */
export function applyComponentGuarantee(g: GuaranteeClause, e: Evaluated, charges: Charge[]): Decimal {
  if (e.missed && g.multiplierIfMissed !== undefined) {
    const m = g.multiplierIfMissed;
    for (const ch of charges) {
      ch.inputs.unguaranteedAmount = plain(ch.amount);
      ch.amount = ch.amount.times(m);
      ch.formula = `(${ch.formula}) × ${m}`;
      ch.inputs.guaranteeMultiplier = m;
    }
  } else if (e.missed && g.creditIfMissed !== undefined) {
    return dmin(dec(g.creditIfMissed), dmax(dsum(charges.map((ch) => ch.amount)), ZERO));
  }
  return ZERO;
}

export function guaranteeCreditDraft(
  g: GuaranteeClause,
  evaluation: GuaranteeEvaluation,
  componentType: ComponentType,
  key: string,
  credit: Decimal,
  gross: Decimal,
): Draft {
  return {
    key: `${key}:guarantee_credit`,
    componentType,
    kind: 'guarantee_credit',
    description: `Guarantee credit: ${g.kpi} ${evaluation.result === 'missed' ? 'missed' : 'assumed missed'}`,
    quantity: '1',
    unitPrice: null,
    unrounded: credit.negated(),
    formula: `−min(${g.creditIfMissed}, ${plain(gross)})`,
    inputs: { creditIfMissed: g.creditIfMissed, chargeBeforeCredit: plain(gross) },
    guarantee: evaluation,
  };
}

/** The invoice guarantee's line over the running sum of this period's rounded component lines; none when met or the sum is ≤ 0. */
export function invoiceGuaranteeDraft(g: GuaranteeClause, e: Evaluated, running: Decimal, decimals: number): Draft | undefined {
  if (!e.missed || !running.greaterThan(0)) return undefined;
  const base = fixed(running, decimals);
  if (g.multiplierIfMissed !== undefined) {
    return invoiceDraft('invoice:guarantee', 'guarantee_credit', `Guarantee: ${g.kpi} missed, fee × ${g.multiplierIfMissed}`,
      running.times(ONE.minus(g.multiplierIfMissed)).negated(), `−(1 − ${g.multiplierIfMissed}) × ${base}`,
      { multiplierIfMissed: g.multiplierIfMissed, componentLinesRounded: base }, e.evaluation);
  }
  const credit = dmin(dec(g.creditIfMissed!), running);
  return invoiceDraft('invoice:guarantee', 'guarantee_credit', `Guarantee credit: ${g.kpi} missed`, credit.negated(),
    `−min(${g.creditIfMissed}, ${base})`, { creditIfMissed: g.creditIfMissed, componentLinesRounded: base }, e.evaluation);
}
