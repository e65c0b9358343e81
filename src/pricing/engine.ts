// The pricing engine: terms + verified aggregates of a period → invoice lines and a trace.
// Pure: no I/O, no clock, no locale. Every amount is a Decimal, computed unrounded and rounded
// once per line; the subtotal is the sum of rounded lines; tax is rounded once on the subtotal.
import type Decimal from 'decimal.js';
import { canonicalJson, sha256Hex } from '../kernel/canonical-json';
import { minorUnits } from '../kernel/currency';
import { dec, dmax, dmin, dsum, fixed, ONE, plain, PLAIN_DECIMAL, roundTo, ZERO } from '../kernel/decimal';
import { activeDays, daysBetween, isIsoDate, isValidPeriod, periodLabel } from './period';
import { componentKey, componentOutcomeType, parseTerms } from './terms';
import type {
  BillingPeriod,
  CalculationTrace,
  ComponentType,
  FlatFeeComponent,
  GuaranteeClause,
  GuaranteeEvaluation,
  InvoiceLine,
  KpiMeasurement,
  LineKind,
  OutcomeAggregate,
  PerAreaComponent,
  PerOutcomeComponent,
  PeriodAdjustmentInput,
  PriceComponent,
  PricedInvoice,
  PricingContract,
  PricingInput,
  PricingRefusal,
  PricingResult,
  RoundingMode,
  Terms,
  TermsFieldError,
  TraceLine,
  UsageComponent,
  ValueShareComponent,
} from './types';

export const ENGINE_VERSION = 'outcome-ledger-pricing/1.0.0';

/** Thrown for malformed engine input other than terms (a caller bug, not a business refusal). */
export class PricingInputError extends TypeError {}

// ---------------------------------------------------------------------------------------------
// Aggregates

interface Agg {
  outcomeType: string;
  dimensions?: Record<string, string>;
  count: string;
  quantitySum: string;
  valueSum: string;
  idsDigest: string | null;
}

function dimsKey(dimensions?: Record<string, string>): string {
  return dimensions && Object.keys(dimensions).length > 0 ? canonicalJson(dimensions) : '';
}

function checkDecimal(value: unknown, what: string): string {
  if (typeof value !== 'string' || !PLAIN_DECIMAL.test(value)) {
    throw new PricingInputError(`${what} must be a plain decimal string, got ${JSON.stringify(value)}`);
  }
  return value;
}

class AggregateIndex {
  private readonly rows = new Map<string, Agg>();

  constructor(lists: OutcomeAggregate[][], what: string) {
    lists.forEach((list, l) => {
      if (!Array.isArray(list)) throw new PricingInputError(`${what} must be an array`);
      list.forEach((row, i) => this.add(row, `${what}[${l > 0 ? `${l}:` : ''}${i}]`));
    });
  }

  private add(row: OutcomeAggregate, where: string): void {
    if (!row || typeof row.outcomeType !== 'string') throw new PricingInputError(`${where}.outcomeType must be a string`);
    const count = checkDecimal(row.count, `${where}.count`);
    const quantitySum = checkDecimal(row.quantitySum, `${where}.quantitySum`);
    const valueSum = checkDecimal(row.valueSum, `${where}.valueSum`);
    const dk = dimsKey(row.dimensions);
    const key = `${row.outcomeType}\u0000${dk}`;
    const prior = this.rows.get(key);
    const dimensions = dk === '' ? undefined : { ...row.dimensions! };
    if (!prior) {
      this.rows.set(key, { outcomeType: row.outcomeType, dimensions, count, quantitySum, valueSum, idsDigest: row.idsDigest ?? null });
      return;
    }
    // Same (type, dimensions) twice: billed + delta, or a split input. Add counts and sums.
    this.rows.set(key, {
      outcomeType: row.outcomeType,
      dimensions,
      count: plain(dec(prior.count).plus(count)),
      quantitySum: plain(dec(prior.quantitySum).plus(quantitySum)),
      valueSum: plain(dec(prior.valueSum).plus(valueSum)),
      idsDigest: sha256Hex([prior.idsDigest ?? '', row.idsDigest ?? ''].join('\n')),
    });
  }

  /** The row of the whole type (no dimensions). */
  whole(outcomeType: string): Agg | undefined {
    return this.rows.get(`${outcomeType}\u0000`);
  }

  /** Rows broken down by exactly this one dimension, sorted by its value (code-unit order). */
  byDimension(outcomeType: string, dimension: string): Agg[] {
    const out: Agg[] = [];
    for (const row of this.rows.values()) {
      if (row.outcomeType !== outcomeType || !row.dimensions) continue;
      const keys = Object.keys(row.dimensions);
      if (keys.length === 1 && keys[0] === dimension) out.push(row);
    }
    return out.sort((a, b) => compareStrings(a.dimensions![dimension], b.dimensions![dimension]));
  }

  /** Rows of a type: the whole row when present, else every row of the type. */
  rowsOf(outcomeType: string): Agg[] {
    const whole = this.whole(outcomeType);
    if (whole) return [whole];
    return [...this.rows.values()].filter((r) => r.outcomeType === outcomeType);
  }

  types(): Set<string> {
    return new Set([...this.rows.values()].map((r) => r.outcomeType));
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Context and drafts

interface Ctx {
  contract: PricingContract;
  period: BillingPeriod;
  periodDays: number;
  activeDays: number;
  kpis: KpiMeasurement[];
  aggregates: AggregateIndex;
  /** Pricing a past period for an adjustment: a missing KPI measurement does not block. */
  adjustment: boolean;
}

/** One charge of a component before modifiers (a component gives several with `breakdownBy`). */
interface Charge {
  key: string;
  description: string;
  quantity: string;
  unitPrice: string | null;
  amount: Decimal;
  formula: string;
  inputs: Record<string, unknown>;
  dimensions?: Record<string, string>;
}

interface Draft {
  key: string;
  componentType: ComponentType | 'invoice';
  kind: LineKind;
  description: string;
  quantity: string;
  unitPrice: string | null;
  unrounded: Decimal;
  formula: string;
  inputs: Record<string, unknown>;
  guarantee?: GuaranteeEvaluation;
  dimensions?: Record<string, string>;
  adjustment?: { kind: PeriodAdjustmentInput['kind']; period: BillingPeriod };
}

interface Rounder {
  mode: RoundingMode;
  decimals: number;
  round(value: Decimal): Decimal;
}

// ---------------------------------------------------------------------------------------------
// Base charges per component type

function periodFactor(ctx: Ctx, per: 'month' | 'year'): { num: Decimal; den: Decimal; text: string } {
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

function prorationInputs(ctx: Ctx, per: 'month' | 'year'): Record<string, unknown> {
  return {
    billingCycle: ctx.contract.billingCycle,
    pricedPer: per,
    activeDays: ctx.activeDays,
    periodDays: ctx.periodDays,
    prorated: ctx.activeDays < ctx.periodDays,
  };
}

function prorationNote(ctx: Ctx): string {
  return ctx.activeDays < ctx.periodDays ? `, prorated ${ctx.activeDays}/${ctx.periodDays} days` : '';
}

function flatFeeCharge(c: FlatFeeComponent, key: string, ctx: Ctx): Charge {
  const quantity = c.quantity ?? '1';
  const f = periodFactor(ctx, c.per);
  const amount = dec(c.amount).times(quantity).times(f.num).div(f.den);
  const unit = c.unit ?? 'unit';
  return {
    key,
    description: c.description ?? `${quantity} × ${unit} at ${c.amount} per ${c.per}${prorationNote(ctx)}`,
    quantity,
    unitPrice: c.amount,
    amount,
    formula: `${c.amount} × ${quantity}${f.text}`,
    inputs: { amount: c.amount, quantity, unit, ...prorationInputs(ctx, c.per) },
  };
}

function perAreaCharge(c: PerAreaComponent, key: string, ctx: Ctx): Charge {
  const f = periodFactor(ctx, 'year');
  const amount = dec(c.annualRatePerKm2).times(c.areaKm2).times(f.num).div(f.den);
  return {
    key,
    description: c.description ?? `${c.areaKm2} km² at ${c.annualRatePerKm2} per km² per year${prorationNote(ctx)}`,
    quantity: c.areaKm2,
    unitPrice: c.annualRatePerKm2,
    amount,
    formula: `${c.annualRatePerKm2} × ${c.areaKm2}${f.text}`,
    inputs: { annualRatePerKm2: c.annualRatePerKm2, areaKm2: c.areaKm2, ...prorationInputs(ctx, 'year') },
  };
}

function aggInputs(row: Agg | undefined): Record<string, unknown> {
  return {
    count: row?.count ?? '0',
    quantitySum: row?.quantitySum ?? '0',
    valueSum: row?.valueSum ?? '0',
    idsDigest: row?.idsDigest ?? null,
  };
}

function valueShareCharge(c: ValueShareComponent, key: string, ctx: Ctx): Charge {
  const row = ctx.aggregates.whole(c.outcomeType);
  const valueSum = row?.valueSum ?? '0';
  const raw = dec(c.rate).times(valueSum);
  let amount = raw;
  let formula = `${c.rate} × ${valueSum}`;
  const inputs: Record<string, unknown> = { outcomeType: c.outcomeType, rate: c.rate, ...aggInputs(row) };
  if (amount.isNegative() && !amount.isZero() && c.allowNegative !== true) {
    amount = ZERO;
    formula = `max(${formula}, 0)`;
    inputs.flooredAtZero = true;
  }
  if (c.floor !== undefined && amount.lessThan(c.floor)) {
    amount = dec(c.floor);
    formula = `max(${formula}, floor ${c.floor})`;
    inputs.floorApplied = c.floor;
  }
  return {
    key,
    description: c.description ?? `${plain(dec(c.rate).times(100))}% of verified ${c.outcomeType}`,
    quantity: valueSum,
    unitPrice: null,
    amount,
    formula,
    inputs,
  };
}

function perOutcomeCharges(c: PerOutcomeComponent, key: string, ctx: Ctx): Charge[] {
  const one = (row: Agg | undefined, lineKey: string, count: string, dimensions?: Record<string, string>, note = ''): Charge => ({
    key: lineKey,
    description: c.description
      ? `${c.description}${note}`
      : `${count} verified ${c.outcomeType} outcome${count === '1' ? '' : 's'} × ${c.unitPrice}${note}`,
    quantity: count,
    unitPrice: c.unitPrice,
    amount: dec(c.unitPrice).times(count),
    formula: `${c.unitPrice} × ${count}`,
    inputs: { outcomeType: c.outcomeType, unitPrice: c.unitPrice, ...aggInputs(row), count, ...(dimensions ? { dimensions } : {}) },
    ...(dimensions ? { dimensions } : {}),
  });
  const whole = ctx.aggregates.whole(c.outcomeType);
  if (c.breakdownBy === undefined) return [one(whole, key, whole?.count ?? '0')];
  const dim = c.breakdownBy;
  const rows = ctx.aggregates.byDimension(c.outcomeType, dim);
  if (rows.length === 0) return [one(whole, key, whole?.count ?? '0')];
  const charges = rows.map((row) => {
    const value = row.dimensions![dim];
    return one(row, `${key}[${dim}=${value}]`, row.count, { [dim]: value }, ` (${dim} ${value})`);
  });
  if (whole) {
    const rest = dec(whole.count).minus(dsum(rows.map((r) => dec(r.count))));
    if (rest.greaterThan(0)) {
      const charge = one(undefined, `${key}[${dim}=(none)]`, plain(rest), undefined, ` (without ${dim})`);
      charge.inputs.note = `whole-type count ${whole.count} minus the per-${dim} rows`;
      charges.push(charge);
    }
  }
  return charges;
}

interface UsagePrice {
  amount: Decimal;
  formula: string;
  unitPrice: string | null;
  inputs: Record<string, unknown>;
}

/** Prices `units` (already net of free units) under a usage component. */
export function usageAmount(c: UsageComponent, units: Decimal): UsagePrice {
  const per = c.per ?? '1';
  const perText = per === '1' ? '' : ` ÷ ${per}`;
  const u = plain(units);
  if (c.tiers && c.tiers.length > 0) {
    const mode = c.tierMode ?? 'graduated';
    const breakdown: Record<string, unknown>[] = [];
    const parts: string[] = [];
    let amount = ZERO;
    if (mode === 'graduated') {
      let lower = ZERO;
      for (const tier of c.tiers) {
        if (!units.greaterThan(lower)) break;
        const upper = tier.upTo === null ? null : dec(tier.upTo);
        const inTier = (upper === null ? units : dmin(units, upper)).minus(lower);
        const tierAmount = inTier.times(tier.unitPrice).div(per);
        const flat = dec(tier.flatAmount ?? '0');
        amount = amount.plus(tierAmount).plus(flat);
        parts.push(`${plain(inTier)} × ${tier.unitPrice}${perText}`);
        if (tier.flatAmount !== undefined) parts.push(tier.flatAmount);
        breakdown.push({
          from: plain(lower), upTo: tier.upTo, units: plain(inTier), unitPrice: tier.unitPrice,
          flatAmount: tier.flatAmount ?? '0', amount: plain(tierAmount.plus(flat)),
        });
        if (upper === null) break;
        lower = upper;
      }
    } else if (units.greaterThan(0)) {
      const index = c.tiers.findIndex((t) => t.upTo === null || units.lessThanOrEqualTo(t.upTo));
      const tier = c.tiers[index];
      const flat = dec(tier.flatAmount ?? '0');
      amount = units.times(tier.unitPrice).div(per).plus(flat);
      parts.push(`${u} × ${tier.unitPrice}${perText}`);
      if (tier.flatAmount !== undefined) parts.push(tier.flatAmount);
      breakdown.push({ tier: index + 1, upTo: tier.upTo, units: u, unitPrice: tier.unitPrice, flatAmount: tier.flatAmount ?? '0', amount: plain(amount) });
    }
    return {
      amount,
      formula: parts.length > 0 ? parts.join(' + ') : '0',
      unitPrice: null,
      inputs: { pricing: `tiers_${mode}`, per, tiers: breakdown },
    };
  }
  const unitPrice = c.unitPrice!;
  if (c.packageSize !== undefined) {
    const size = dec(c.packageSize);
    let blocks = units.divToInt(size);
    if (blocks.times(size).lessThan(units)) blocks = blocks.plus(1);
    return {
      amount: dec(unitPrice).times(blocks),
      formula: `${unitPrice} × ceil(${u} ÷ ${c.packageSize})`,
      unitPrice: null,
      inputs: { pricing: 'package', packageSize: c.packageSize, packages: plain(blocks), unitPrice },
    };
  }
  const perUnit = dec(unitPrice).div(per);
  return {
    amount: units.times(unitPrice).div(per),
    formula: `${unitPrice} × ${u}${perText}`,
    unitPrice: per === '1' ? unitPrice : perUnit.times(per).eq(unitPrice) ? plain(perUnit) : null,
    inputs: { pricing: 'per_unit', unitPrice, per },
  };
}

function usageCharge(c: UsageComponent, key: string, ctx: Ctx): Charge {
  const row = ctx.aggregates.whole(c.metric);
  const quantitySum = row?.quantitySum ?? '0';
  const free = dec(c.freeUnits ?? '0');
  const units = dmax(dec(quantitySum).minus(free), ZERO);
  const priced = usageAmount(c, units);
  return {
    key,
    description: c.description ?? `${plain(units)} ${c.metric}${c.unitPrice ? ` at ${c.unitPrice} per ${c.per ?? '1'}` : ''}`,
    quantity: plain(units),
    unitPrice: priced.unitPrice,
    amount: priced.amount,
    formula: priced.formula,
    inputs: {
      metric: c.metric, ...aggInputs(row), freeUnits: c.freeUnits ?? '0', billableUnits: plain(units), ...priced.inputs,
    },
  };
}

function baseCharges(c: PriceComponent, key: string, ctx: Ctx): Charge[] {
  switch (c.type) {
    case 'flat_fee':
      return [flatFeeCharge(c, key, ctx)];
    case 'per_area':
      return [perAreaCharge(c, key, ctx)];
    case 'value_share':
      return [valueShareCharge(c, key, ctx)];
    case 'per_outcome':
      return perOutcomeCharges(c, key, ctx);
    case 'usage':
      return [usageCharge(c, key, ctx)];
  }
}

// ---------------------------------------------------------------------------------------------
// Guarantees

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

interface Evaluated {
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

function evaluateGuarantee(g: GuaranteeClause, ctx: Ctx): Evaluated | PricingRefusal {
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

// ---------------------------------------------------------------------------------------------
// One component: charges, then guarantee, cap and minimum

interface ComponentPriced {
  drafts: Draft[];
  evaluation?: GuaranteeEvaluation;
  /** Unrounded net of the component after every modifier (used to price adjustments). */
  net: Decimal;
}

function priceComponent(c: PriceComponent, key: string, ctx: Ctx, r: Rounder): ComponentPriced | PricingRefusal {
  const charges = baseCharges(c, key, ctx);
  let evaluation: GuaranteeEvaluation | undefined;
  let credit = ZERO;
  if (c.guarantee) {
    const e = evaluateGuarantee(c.guarantee, ctx);
    if ('ok' in e) return e;
    evaluation = e.evaluation;
    if (e.missed && c.guarantee.multiplierIfMissed !== undefined) {
      const m = c.guarantee.multiplierIfMissed;
      for (const ch of charges) {
        ch.inputs.unguaranteedAmount = plain(ch.amount);
        ch.amount = ch.amount.times(m);
        ch.formula = `(${ch.formula}) × ${m}`;
        ch.inputs.guaranteeMultiplier = m;
      }
    } else if (e.missed && c.guarantee.creditIfMissed !== undefined) {
      credit = dmin(dec(c.guarantee.creditIfMissed), dmax(dsum(charges.map((ch) => ch.amount)), ZERO));
    }
  }
  const gross = dsum(charges.map((ch) => ch.amount));
  let net = gross.minus(credit);
  let capLine: Decimal | undefined;
  if (c.cap !== undefined && net.greaterThan(c.cap)) {
    const cap = dec(c.cap);
    if (charges.length === 1) {
      const ch = charges[0];
      ch.inputs.cap = c.cap;
      ch.inputs.uncappedAmount = plain(ch.amount);
      ch.amount = cap.plus(credit);
      ch.formula = credit.isZero() ? `min(${ch.formula}, cap ${c.cap})` : `min(${ch.formula}, cap ${c.cap} + credit ${plain(credit)})`;
    } else {
      capLine = cap.minus(net);
    }
    net = cap;
  }

  const drafts: Draft[] = charges.map((ch) => ({
    key: ch.key,
    componentType: c.type,
    kind: 'charge',
    description: ch.description,
    quantity: ch.quantity,
    unitPrice: ch.unitPrice,
    unrounded: ch.amount,
    formula: ch.formula,
    inputs: ch.inputs,
    ...(evaluation ? { guarantee: evaluation } : {}),
    ...(ch.dimensions ? { dimensions: ch.dimensions } : {}),
  }));
  if (credit.greaterThan(0)) {
    drafts.push({
      key: `${key}:guarantee_credit`,
      componentType: c.type,
      kind: 'guarantee_credit',
      description: `Guarantee credit: ${c.guarantee!.kpi} ${evaluation!.result === 'missed' ? 'missed' : 'assumed missed'}`,
      quantity: '1',
      unitPrice: null,
      unrounded: credit.negated(),
      formula: `−min(${c.guarantee!.creditIfMissed}, ${plain(gross)})`,
      inputs: { creditIfMissed: c.guarantee!.creditIfMissed, chargeBeforeCredit: plain(gross) },
      guarantee: evaluation,
    });
  }
  if (capLine !== undefined) {
    drafts.push({
      key: `${key}:cap`,
      componentType: c.type,
      kind: 'cap',
      description: `Cap of ${c.cap} per period`,
      quantity: '1',
      unitPrice: null,
      unrounded: capLine,
      formula: `${c.cap} − ${plain(gross.minus(credit))}`,
      inputs: { cap: c.cap, uncapped: plain(gross.minus(credit)) },
    });
  }
  if (c.minimum !== undefined && net.lessThan(c.minimum)) {
    const roundedSoFar = dsum(drafts.map((d) => r.round(d.unrounded)));
    const trueUp = dec(c.minimum).minus(roundedSoFar);
    net = dec(c.minimum);
    if (trueUp.greaterThan(0)) {
      drafts.push({
        key: `${key}:minimum`,
        componentType: c.type,
        kind: 'minimum_true_up',
        description: `Minimum commitment true-up to ${c.minimum}`,
        quantity: '1',
        unitPrice: null,
        unrounded: trueUp,
        formula: `${c.minimum} − ${fixed(roundedSoFar, r.decimals)}`,
        inputs: { minimum: c.minimum, componentLinesRounded: fixed(roundedSoFar, r.decimals) },
      });
    }
  }
  return { drafts, evaluation, net };
}

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
// Adjustments

function adjustmentDrafts(
  adj: PeriodAdjustmentInput,
  terms: Terms,
  contract: PricingContract,
  r: Rounder,
  usedKeys: Set<string>,
): Draft[] {
  const deltaIndex = new AggregateIndex([adj.delta], 'adjustment.delta');
  const deltaTypes = deltaIndex.types();
  const ctxFor = (aggregates: AggregateIndex): Ctx => ({
    contract,
    period: adj.period,
    periodDays: daysBetween(adj.period.start, adj.period.end),
    activeDays: activeDays(adj.period, contract.startsOn, contract.endsOn),
    kpis: adj.kpis ?? [],
    aggregates,
    adjustment: true,
  });
  const before = ctxFor(new AggregateIndex([adj.billed], 'adjustment.billed'));
  const after = ctxFor(new AggregateIndex([adj.billed, adj.delta], 'adjustment.billed+delta'));
  const label = periodLabel(adj.period);
  const drafts: Draft[] = [];
  terms.components.forEach((c, j) => {
    const type = componentOutcomeType(c);
    if (type === undefined || !deltaTypes.has(type)) return;
    const key = componentKey(terms, j);
    const b = priceComponent(c, key, before, r);
    const a = priceComponent(c, key, after, r);
    if ('ok' in b || 'ok' in a) return; // cannot happen: adjustments never block on a KPI
    const diff = a.net.minus(b.net);
    if (r.round(diff).isZero()) return;
    const deltaRows = deltaIndex.rowsOf(type);
    const count = dsum(deltaRows.map((row) => dec(row.count)));
    const n = plain(count.abs());
    const verb = adj.kind === 'late_verified' ? 'verified late' : 'reversed';
    let lineKey = `adj:${adj.kind}:${adj.period.start}:${key}`;
    for (let i = 2; usedKeys.has(lineKey); i++) lineKey = `adj:${adj.kind}:${adj.period.start}:${key}#${i}`;
    usedKeys.add(lineKey);
    const quantity =
      c.type === 'value_share'
        ? dsum(deltaRows.map((row) => dec(row.valueSum)))
        : c.type === 'usage'
          ? dsum(deltaRows.map((row) => dec(row.quantitySum)))
          : count;
    drafts.push({
      key: lineKey,
      componentType: c.type,
      kind: 'adjustment',
      description: `Adjustment for ${label}: ${n} ${type} outcome${n === '1' ? '' : 's'} ${verb}`,
      quantity: plain(quantity),
      unitPrice: c.type === 'per_outcome' ? c.unitPrice : null,
      unrounded: diff,
      formula: `${plain(a.net)} − ${plain(b.net)}`,
      inputs: {
        adjustmentKind: adj.kind,
        period: { start: adj.period.start, end: adj.period.end },
        componentKey: key,
        outcomeType: type,
        delta: deltaRows.map((row) => ({ ...aggInputs(row), ...(row.dimensions ? { dimensions: row.dimensions } : {}) })),
        billedNet: plain(b.net),
        billedFormula: b.drafts.map((d) => d.formula),
        afterNet: plain(a.net),
        afterFormula: a.drafts.map((d) => d.formula),
      },
      ...(a.evaluation ? { guarantee: a.evaluation } : {}),
      adjustment: { kind: adj.kind, period: { start: adj.period.start, end: adj.period.end } },
    });
  });
  return drafts;
}

// ---------------------------------------------------------------------------------------------
// The invoice

export function priceInvoice(input: PricingInput): PricingResult {
  const decimals = checkContract(input.contract);
  checkPeriod(input.period, 'period');
  const parsed = parseTerms(input.terms);
  if (!parsed.ok) return termsRefusal(parsed.errors, '');
  const terms = parsed.terms;
  const adjustments = input.adjustments ?? [];
  const adjustmentTerms: Terms[] = [];
  for (let a = 0; a < adjustments.length; a++) {
    const p = parseTerms(adjustments[a].terms);
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
  const ctx: Ctx = {
    contract,
    period,
    periodDays: daysBetween(period.start, period.end),
    activeDays: active,
    kpis: input.kpis ?? [],
    aggregates: new AggregateIndex([input.aggregates ?? []], 'aggregates'),
    adjustment: false,
  };

  const drafts: Draft[] = [];
  const guarantees: GuaranteeEvaluation[] = [];
  for (let i = 0; i < terms.components.length; i++) {
    const priced = priceComponent(terms.components[i], componentKey(terms, i), ctx, r);
    if ('ok' in priced) return priced;
    drafts.push(...priced.drafts);
    if (priced.evaluation) guarantees.push(priced.evaluation);
  }
  const componentTotal = dsum(drafts.map((d) => r.round(d.unrounded)));

  const usedKeys = new Set(drafts.map((d) => d.key));
  adjustments.forEach((adj, a) => drafts.push(...adjustmentDrafts(adj, adjustmentTerms[a], contract, r, usedKeys)));

  // Invoice-level modifiers over the sum of this period's (rounded) component lines.
  let running = componentTotal;
  const invoiceDraft = (key: string, kind: LineKind, description: string, unrounded: Decimal, formula: string, inputs: Record<string, unknown>, guarantee?: GuaranteeEvaluation): void => {
    drafts.push({ key, componentType: 'invoice', kind, description, quantity: '1', unitPrice: null, unrounded, formula, inputs, ...(guarantee ? { guarantee } : {}) });
    running = running.plus(r.round(unrounded));
  };
  if (terms.guarantee) {
    const e = evaluateGuarantee(terms.guarantee, ctx);
    if ('ok' in e) return e;
    guarantees.push(e.evaluation);
    if (e.missed && running.greaterThan(0)) {
      const g = terms.guarantee;
      const base = fixed(running, decimals);
      if (g.multiplierIfMissed !== undefined) {
        invoiceDraft('invoice:guarantee', 'guarantee_credit', `Guarantee: ${g.kpi} missed, fee × ${g.multiplierIfMissed}`,
          running.times(ONE.minus(g.multiplierIfMissed)).negated(), `−(1 − ${g.multiplierIfMissed}) × ${base}`,
          { multiplierIfMissed: g.multiplierIfMissed, componentLinesRounded: base }, e.evaluation);
      } else {
        const credit = dmin(dec(g.creditIfMissed!), running);
        invoiceDraft('invoice:guarantee', 'guarantee_credit', `Guarantee credit: ${g.kpi} missed`, credit.negated(),
          `−min(${g.creditIfMissed}, ${base})`, { creditIfMissed: g.creditIfMissed, componentLinesRounded: base }, e.evaluation);
      }
    }
  }
  if (terms.cap !== undefined && running.greaterThan(terms.cap)) {
    const base = fixed(running, decimals);
    invoiceDraft('invoice:cap', 'cap', `Invoice cap of ${terms.cap} per period`, dec(terms.cap).minus(running),
      `${terms.cap} − ${base}`, { cap: terms.cap, beforeCap: base });
  }
  if (terms.minimum !== undefined && running.lessThan(terms.minimum)) {
    const base = fixed(running, decimals);
    invoiceDraft('invoice:minimum', 'minimum_true_up', `Minimum commitment true-up to ${terms.minimum}`,
      dec(terms.minimum).minus(running), `${terms.minimum} − ${base}`, { minimum: terms.minimum, beforeMinimum: base });
  }

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
