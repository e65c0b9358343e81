// usage: metered units of a metric (queries, tokens) per unit, per package, or in graduated or
// volume tiers, after free units.
import type Decimal from 'decimal.js';
import { addDays, dayNumber } from '../../kernel/calendar';
import { dec, dmax, dmin, dsum, plain, roundTo, ZERO } from '../../kernel/decimal';
import { type Agg, aggInputs, measureOf } from '../aggregate-index';
import type { Ctx } from '../pricing-context';
import { measureKey, type AggregateMeasure } from './measures';
import { at, type Checker, checkVerification, has, typeName } from '../checker';
import type { ComponentBase, DecimalString, Verification } from '../types';
import type { ChargeModel } from './model';

export interface UsageTier {
  /** Inclusive upper bound of the tier in units; null for the last, unbounded tier. */
  upTo: DecimalString | null;
  /** Price per `per` units inside this tier. */
  unitPrice: DecimalString;
  /** A flat amount charged once when usage reaches this tier. */
  flatAmount?: DecimalString;
}

export interface UsageComponent extends ComponentBase {
  type: 'usage';
  metric: string;
  verification?: Verification; // default 'auto'
  verifier?: string;
  /** Price per `per` units (e.g. 0.27 per 1000000 tokens); required unless `tiers` are given. */
  unitPrice?: DecimalString;
  /** Default "1". */
  per?: DecimalString;
  tiers?: UsageTier[];
  /** Default `graduated` when tiers are given. */
  tierMode?: 'graduated' | 'volume';
  /** Package pricing: `unitPrice` is charged per started block of this many units. */
  packageSize?: DecimalString;
  /** Units given free before charging starts. */
  freeUnits?: DecimalString;
  /**
   * Prorated for a recurring metric (seats, devices, licences): units × days active ÷ days in
   * period. A quantity recorded on a local date (contract timezone) is active from that date to the
   * period's end (or the contract's last day): a seat added on 10 March of a 31-day month counts
   * 22/31; a removal is recorded as a negative quantity on the day it stops. Recurring units are
   * recorded in each period they are billed in (nothing carries over). Free units, tiers and
   * packages then apply to the prorated units.
   */
  prorated?: boolean;
}

const TIER_FIELDS = ['upTo', 'unitPrice', 'flatAmount'];

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

function proratedMeasure(c: UsageComponent): AggregateMeasure {
  return { kind: 'quantity_days', outcomeType: c.metric };
}

/**
 * Σ quantity × days from each outcome's local date to the active end, ÷ days in the period. The
 * active end is the period's end, or the day after the contract's last day when that comes first.
 * From the aggregate: E × quantitySum − Σ quantity × day number, with E the active end's day number.
 */
function proratedUnits(c: UsageComponent, row: Agg | undefined, ctx: Ctx): { units: Decimal; formula: string; inputs: Record<string, unknown> } {
  const endsAfter = ctx.contract.endsOn ? addDays(ctx.contract.endsOn, 1) : null;
  const activeEnd = endsAfter !== null && endsAfter < ctx.period.end ? endsAfter : ctx.period.end;
  const quantityDays = dec(measureOf(row, measureKey(proratedMeasure(c))));
  const unitDays = dec(row?.quantitySum ?? '0').times(dayNumber(activeEnd)).minus(quantityDays);
  const units = unitDays.div(ctx.periodDays);
  return {
    units,
    formula: `${plain(unitDays)} unit-days ÷ ${ctx.periodDays} days`,
    inputs: { activeEnd, periodDays: ctx.periodDays, unitDays: plain(unitDays), units: plain(units), rule: 'each quantity counts from its local date to the active end' },
  };
}

function checkTiers(c: Checker, tiers: unknown, path: string): void {
  if (!Array.isArray(tiers)) {
    c.error(path, `must be an array of tiers, got ${typeName(tiers)}`);
    return;
  }
  if (tiers.length === 0) {
    c.error(path, 'must hold at least one tier');
    return;
  }
  let previous: string | undefined;
  tiers.forEach((tier, i) => {
    const tp = `${path}[${i}]`;
    if (!c.object(tier, tp, 'a tier')) return;
    c.fields(tier, tp, TIER_FIELDS);
    c.decimal(tier, 'unitPrice', tp, 'nonNegative', { required: true });
    c.decimal(tier, 'flatAmount', tp, 'nonNegative');
    const last = i === tiers.length - 1;
    if (!Object.prototype.hasOwnProperty.call(tier, 'upTo') || tier.upTo === undefined) {
      c.error(`${tp}.upTo`, last ? 'missing required field: the last tier needs upTo: null' : 'missing required field');
      previous = undefined;
      return;
    }
    if (tier.upTo === null) {
      if (!last) c.error(`${tp}.upTo`, 'only the last tier may be unbounded (upTo: null)');
      return;
    }
    const upTo = c.decimalValue(tier.upTo, `${tp}.upTo`, 'positive');
    if (last) {
      c.error(`${tp}.upTo`, 'the last tier must be unbounded (upTo: null)');
    }
    if (upTo !== undefined && previous !== undefined && !dec(upTo).greaterThan(dec(previous))) {
      c.error(`${tp}.upTo`, `tiers must be in ascending order: ${upTo} is not above the previous tier's ${previous}`);
    }
    if (upTo !== undefined) previous = upTo;
  });
}

export const usage: ChargeModel<UsageComponent> = {
  type: 'usage',
  fields: ['metric', 'verification', 'verifier', 'unitPrice', 'per', 'tiers', 'tierMode', 'packageSize', 'freeUnits', 'prorated'],
  outcomeTypeField: 'metric',
  onePerOutcomeType: true,
  outcomeMeasure: 'quantity',
  defaultVerification: 'auto',
  validate(c, comp, path) {
    c.string(comp, 'metric', path, { required: true });
    checkVerification(c, comp, path, false);
    c.decimal(comp, 'unitPrice', path, 'nonNegative');
    c.decimal(comp, 'per', path, 'positive');
    c.decimal(comp, 'packageSize', path, 'positive');
    c.decimal(comp, 'freeUnits', path, 'nonNegative');
    c.enumeration(comp, 'tierMode', path, ['graduated', 'volume']);
    c.boolean(comp, 'prorated', path);
    const hasTiers = has(comp, 'tiers');
    if (hasTiers) {
      checkTiers(c, comp.tiers, at(path, 'tiers'));
      if (has(comp, 'unitPrice')) c.error(at(path, 'unitPrice'), 'not allowed with tiers: each tier carries its own unitPrice');
      if (has(comp, 'packageSize')) c.error(at(path, 'packageSize'), 'packageSize cannot be combined with tiers');
    } else {
      if (!has(comp, 'unitPrice')) c.error(at(path, 'unitPrice'), 'missing required field: unitPrice is required when no tiers are given');
      if (has(comp, 'tierMode')) c.error(at(path, 'tierMode'), 'tierMode is only allowed with tiers');
    }
    if (has(comp, 'packageSize') && has(comp, 'per')) {
      c.error(at(path, 'per'), 'per cannot be combined with packageSize: unitPrice is charged per started package');
    }
  },
  defaultKey: (c) => c.metric,
  measures: (c) => (c.prorated === true ? [proratedMeasure(c)] : []),
  charges(c, key, ctx) {
    const row = ctx.aggregates.whole(c.metric);
    const quantitySum = row?.quantitySum ?? '0';
    const free = dec(c.freeUnits ?? '0');
    const prorated = c.prorated === true ? proratedUnits(c, row, ctx) : undefined;
    const units = dmax((prorated ? prorated.units : dec(quantitySum)).minus(free), ZERO);
    const priced = usageAmount(c, units);
    // Prorated units rarely terminate (÷ 31): the line shows 12 decimals, the amount uses them all.
    const shown = prorated ? plain(roundTo(units, 12, 'HALF_UP')) : plain(units);
    return [
      {
        key,
        description: c.description ?? `${shown} ${c.metric}${prorated ? ' (prorated)' : ''}${c.unitPrice ? ` at ${c.unitPrice} per ${c.per ?? '1'}` : ''}`,
        quantity: shown,
        unitPrice: priced.unitPrice,
        amount: priced.amount,
        formula: prorated ? `units = ${prorated.formula}; ${priced.formula}` : priced.formula,
        inputs: {
          metric: c.metric, ...aggInputs(row), freeUnits: c.freeUnits ?? '0', billableUnits: plain(units), ...priced.inputs,
          ...(prorated ? { prorated: prorated.inputs } : {}),
        },
      },
    ];
  },
  adjustmentQuantity: (delta) => dsum(delta.map((row) => dec(row.quantitySum))),
};
