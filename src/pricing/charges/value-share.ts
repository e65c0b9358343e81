// value_share: a rate of the verified value of an outcome type (savings, bad debt avoided), with
// Lago's percentage options: free value, graduated bands and a fixed fee per transaction.
import type Decimal from 'decimal.js';
import { dec, dmin, dsum, plain, ZERO } from '../../kernel/decimal';
import { aggInputs, measureOf } from '../aggregate-index';
import { at, type Checker, checkVerification, has, typeName } from '../checker';
import type { ComponentBase, DecimalString, Verification } from '../types';
import { type ClampedShareMeasure, measureKey } from './measures';
import type { ChargeModel } from './model';

/** One band of a graduated percentage: its rate applies to the part of the period's value inside it. */
export interface ValueShareBand {
  /** Inclusive upper bound of the band in cumulative value of the period; null for the last band. */
  upTo: DecimalString | null;
  /** 0..1, applied to the value inside the band. */
  rate: DecimalString;
  /** Charged once when the period's value enters the band (exceeds its lower bound). */
  flatAmount?: DecimalString;
}

export interface ValueShareComponent extends ComponentBase {
  type: 'value_share';
  /** 0..1; exactly one of `rate` and `bands`. */
  rate?: DecimalString;
  /** Graduated percentage over the period's cumulative verified value (Lago's graduated_percentage). */
  bands?: ValueShareBand[];
  outcomeType: string;
  verification: Verification;
  /** Name of the third party that verifies, when verification is `third_party`. */
  verifier?: string;
  /** Negative verified value yields a negative fee only when true (default false: floored at 0). Not with bands. */
  allowNegative?: boolean;
  /** The line is never below this (applied inside the line, unlike `minimum`). */
  floor?: DecimalString;
  /**
   * The first `freeValue` of the period's verified value is not charged: the share reads
   * max(valueSum − freeValue, 0) (a negative valueSum is left as it is: the allowance frees value,
   * it does not absorb losses). Deducted before bands. Not carried over to the next period.
   */
  freeValue?: DecimalString;
  /** A fixed fee per verified outcome beside the rate: + perTransactionFee × count on the same line. */
  perTransactionFee?: DecimalString;
  /**
   * Per-transaction minimum and maximum: each outcome's share is clamp(rate × value, min, max),
   * and the line is their sum, computed per outcome in SQL (the `clamped_share` measure). The fixed
   * fee per transaction is added outside the clamp. Not with bands or freeValue (period-level rules).
   */
  perTransactionMin?: DecimalString;
  perTransactionMax?: DecimalString;
}

const BAND_FIELDS = ['upTo', 'rate', 'flatAmount'];

function checkBands(c: Checker, bands: unknown, path: string): void {
  if (!Array.isArray(bands)) {
    c.error(path, `must be an array of bands, got ${typeName(bands)}`);
    return;
  }
  if (bands.length === 0) {
    c.error(path, 'must hold at least one band');
    return;
  }
  let previous: string | undefined;
  bands.forEach((band, i) => {
    const bp = `${path}[${i}]`;
    if (!c.object(band, bp, 'a band')) return;
    c.fields(band, bp, BAND_FIELDS);
    c.decimal(band, 'rate', bp, 'rate', { required: true });
    c.decimal(band, 'flatAmount', bp, 'nonNegative');
    const last = i === bands.length - 1;
    if (!has(band, 'upTo')) {
      c.error(`${bp}.upTo`, last ? 'missing required field: the last band needs upTo: null' : 'missing required field');
      previous = undefined;
      return;
    }
    if (band.upTo === null) {
      if (!last) c.error(`${bp}.upTo`, 'only the last band may be unbounded (upTo: null)');
      return;
    }
    const upTo = c.decimalValue(band.upTo, `${bp}.upTo`, 'positive');
    if (last) c.error(`${bp}.upTo`, 'the last band must be unbounded (upTo: null)');
    if (upTo !== undefined && previous !== undefined && !dec(upTo).greaterThan(dec(previous)))
      c.error(`${bp}.upTo`, `bands must be in ascending order: ${upTo} is not above the previous band's ${previous}`);
    if (upTo !== undefined) previous = upTo;
  });
}

interface SharePart {
  amount: Decimal;
  formula: string;
  inputs: Record<string, unknown>;
}

/**
 * Graduated percentage of `value`: each band's rate on the part of the value inside it, plus the
 * band's flat amount once the value exceeds the band's lower bound (so a value of 0 costs nothing,
 * the rule graduated usage tiers follow).
 */
export function bandedShare(bands: ValueShareBand[], value: Decimal): SharePart {
  const parts: string[] = [];
  const breakdown: Record<string, unknown>[] = [];
  let amount = ZERO;
  let lower = ZERO;
  for (const band of bands) {
    if (!value.greaterThan(lower)) break;
    const upper = band.upTo === null ? null : dec(band.upTo);
    const inBand = (upper === null ? value : dmin(value, upper)).minus(lower);
    const share = inBand.times(band.rate);
    const flat = dec(band.flatAmount ?? '0');
    amount = amount.plus(share).plus(flat);
    parts.push(`${band.rate} × ${plain(inBand)}`);
    if (band.flatAmount !== undefined) parts.push(band.flatAmount);
    breakdown.push({ from: plain(lower), upTo: band.upTo, value: plain(inBand), rate: band.rate, flatAmount: band.flatAmount ?? '0', amount: plain(share.plus(flat)) });
    if (upper === null) break;
    lower = upper;
  }
  const formula = parts.length === 0 ? '0' : parts.length === 1 ? parts[0] : `(${parts.join(' + ')})`;
  return { amount, formula, inputs: { pricing: 'bands_graduated', bands: breakdown } };
}

/** The clamped-share measure of a component with a per-transaction minimum or maximum. */
function clampMeasure(c: ValueShareComponent): ClampedShareMeasure | undefined {
  if (c.perTransactionMin === undefined && c.perTransactionMax === undefined) return undefined;
  return { kind: 'clamped_share', outcomeType: c.outcomeType, rate: c.rate!, min: c.perTransactionMin ?? null, max: c.perTransactionMax ?? null };
}

function describe(c: ValueShareComponent): string {
  const share = c.bands ? `Graduated share of verified ${c.outcomeType}` : `${plain(dec(c.rate!).times(100))}% of verified ${c.outcomeType}`;
  return c.perTransactionFee === undefined ? share : `${share} + ${c.perTransactionFee} per outcome`;
}

export const valueShare: ChargeModel<ValueShareComponent> = {
  type: 'value_share',
  fields: ['rate', 'bands', 'outcomeType', 'verification', 'verifier', 'allowNegative', 'floor', 'freeValue', 'perTransactionFee', 'perTransactionMin', 'perTransactionMax'],
  outcomeTypeField: 'outcomeType',
  onePerOutcomeType: true,
  outcomeMeasure: 'value',
  validate(c, comp, path) {
    if (has(comp, 'bands')) {
      checkBands(c, comp.bands, at(path, 'bands'));
      if (has(comp, 'rate')) c.error(at(path, 'rate'), 'not allowed with bands: each band carries its own rate');
      if (comp.allowNegative === true) c.error(at(path, 'allowNegative'), 'not allowed with bands: a negative value falls in no band');
    } else {
      c.decimal(comp, 'rate', path, 'rate', { required: true });
    }
    c.string(comp, 'outcomeType', path, { required: true });
    checkVerification(c, comp, path, true);
    c.boolean(comp, 'allowNegative', path);
    c.decimal(comp, 'floor', path, 'nonNegative');
    c.decimal(comp, 'freeValue', path, 'nonNegative');
    c.decimal(comp, 'perTransactionFee', path, 'nonNegative');
    const min = c.decimal(comp, 'perTransactionMin', path, 'nonNegative');
    const max = c.decimal(comp, 'perTransactionMax', path, 'nonNegative');
    if (min !== undefined && max !== undefined && dec(min).greaterThan(max))
      c.error(at(path, 'perTransactionMin'), `must not exceed perTransactionMax (${min} > ${max})`);
    for (const f of ['perTransactionMin', 'perTransactionMax'])
      if (has(comp, f)) {
        if (has(comp, 'bands')) c.error(at(path, f), `not allowed with bands: ${f} clamps rate × value of each outcome, and bands have no single rate`);
        if (has(comp, 'freeValue')) c.error(at(path, f), `not allowed with freeValue: free value is a period's, the clamp is each outcome's`);
      }
  },
  measures: (c) => {
    const m = clampMeasure(c);
    return m ? [m] : [];
  },
  charges(c, key, ctx) {
    const row = ctx.aggregates.whole(c.outcomeType);
    const valueSum = row?.valueSum ?? '0';
    const count = row?.count ?? '0';
    const inputs: Record<string, unknown> = { outcomeType: c.outcomeType, ...(c.rate !== undefined ? { rate: c.rate } : {}), ...aggInputs(row) };

    // The value the share reads: the period's value less the free value (positive value only).
    let value = dec(valueSum);
    let valueText = valueSum;
    if (c.freeValue !== undefined) {
      const free = value.greaterThan(0) ? dmin(value, dec(c.freeValue)) : ZERO;
      value = value.minus(free);
      valueText = `max(${valueSum} − ${c.freeValue}, 0)`;
      Object.assign(inputs, { freeValue: c.freeValue, freeValueUsed: plain(free), chargedValue: plain(value) });
    }

    let amount: Decimal;
    let formula: string;
    const clamp = clampMeasure(c);
    if (clamp) {
      amount = dec(measureOf(row, measureKey(clamp)));
      formula = `Σ clamp(${c.rate} × value, ${clamp.min ?? '−∞'}, ${clamp.max ?? '∞'})`;
      Object.assign(inputs, {
        perTransactionMin: clamp.min, perTransactionMax: clamp.max, clampedSum: plain(amount), unclamped: plain(dec(c.rate!).times(valueSum)),
      });
      if (amount.isNegative() && !amount.isZero() && c.allowNegative !== true) {
        amount = ZERO;
        formula = `max(${formula}, 0)`;
        inputs.flooredAtZero = true;
      }
    } else if (c.bands) {
      const part = bandedShare(c.bands, value);
      amount = part.amount;
      formula = c.freeValue !== undefined ? `bands(${valueText}) = ${part.formula}` : part.formula;
      Object.assign(inputs, part.inputs);
    } else {
      amount = dec(c.rate!).times(value);
      formula = `${c.rate} × ${valueText}`;
      if (amount.isNegative() && !amount.isZero() && c.allowNegative !== true) {
        amount = ZERO;
        formula = `max(${formula}, 0)`;
        inputs.flooredAtZero = true;
      }
    }
    // The fee per transaction is charged for every verified outcome, even when the share is zero.
    if (c.perTransactionFee !== undefined) {
      amount = amount.plus(dec(c.perTransactionFee).times(count));
      formula = `${formula} + ${c.perTransactionFee} × ${count}`;
      Object.assign(inputs, { perTransactionFee: c.perTransactionFee, transactions: count });
    }
    if (c.floor !== undefined && amount.lessThan(c.floor)) {
      amount = dec(c.floor);
      formula = `max(${formula}, floor ${c.floor})`;
      inputs.floorApplied = c.floor;
    }
    return [
      {
        key,
        description: c.description ?? describe(c),
        quantity: valueSum,
        unitPrice: null,
        amount,
        formula,
        inputs,
      },
    ];
  },
  adjustmentQuantity: (delta) => dsum(delta.map((row) => dec(row.valueSum))),
};
