// per_outcome: a unit price per verified outcome, optionally one line per value of a dimension.
import { dec, dsum, plain } from '../../kernel/decimal';
import { type Agg, aggInputs, measureOf } from '../aggregate-index';
import { at, checkVerification } from '../checker';
import type { Charge, Ctx } from '../pricing-context';
import type { ComponentBase, DecimalString, Verification } from '../types';
import { type CasesMeasure, measureKey } from './measures';
import type { ChargeModel } from './model';

export interface PerOutcomeComponent extends ComponentBase {
  type: 'per_outcome';
  unitPrice: DecimalString;
  outcomeType: string;
  verification: Verification;
  verifier?: string;
  /** Break the line down by this dimension (e.g. `hospital`): one line per value. */
  breakdownBy?: string;
  /**
   * Included allowance: the first N verified outcomes of each period are free (a whole number, not
   * carried over). "First" is occurrence order; as every outcome of the component has the same
   * unit price, the amount does not depend on which ones they are, so the allowance is one line of
   * its own (`<key>[included]`, kind `included_allowance`) giving back min(N, count) × unitPrice,
   * whatever the breakdown. Adjustments price net(billed + delta) − net(billed), so an outcome
   * verified late into a period whose allowance was not used up costs nothing.
   */
  includedPerPeriod?: DecimalString;
  /**
   * Deemed acceptance (customer verification only): an ISO 8601 duration such as `PT24H`. An
   * outcome the customer neither verifies nor rejects within this time of its occurrence (added in
   * the contract's timezone) is verified by the system as deemed; it may still be disputed.
   */
  objectionWindow?: string;
  /**
   * Charge once per case (issue #19 item 2): the name of a dimension (`conversation`, `study`,
   * `case`). The line charges the cases a period opens, not its outcomes: a case is charged by its
   * first billed outcome, later outcomes of a charged case cost nothing (in any later period too),
   * and reversing the last billed outcome of a charged case gives it back on the next invoice. An
   * outcome without the dimension is a case of its own. The allowance counts cases; not with
   * breakdownBy (a case may span several values of another dimension). The rule: `caseCharge` in
   * measures.ts.
   */
  chargeOncePer?: string;
}

/** The `cases` measure a charge-once-per-case component reads. */
export function casesMeasure(c: PerOutcomeComponent): CasesMeasure | undefined {
  return c.chargeOncePer === undefined ? undefined : { kind: 'cases', outcomeType: c.outcomeType, dimension: c.chargeOncePer };
}

/** What the component counts in a row: its cases (charge once per case) or its outcomes. */
function chargedCount(c: PerOutcomeComponent, row: Agg | undefined): string {
  const m = casesMeasure(c);
  return m ? measureOf(row, measureKey(m)) : (row?.count ?? '0');
}

/** ISO 8601 durations PostgreSQL reads as intervals: `P1D`, `PT24H`, `P1W`, `P1DT12H`… (no fractions). */
export const ISO_DURATION = /^P(?=\d|T\d)(\d{1,4}Y)?(\d{1,4}M)?(\d{1,4}W)?(\d{1,4}D)?(T(?=\d)(\d{1,6}H)?(\d{1,6}M)?(\d{1,8}S)?)?$/;

export const perOutcome: ChargeModel<PerOutcomeComponent> = {
  type: 'per_outcome',
  fields: ['unitPrice', 'outcomeType', 'verification', 'verifier', 'breakdownBy', 'includedPerPeriod', 'objectionWindow', 'chargeOncePer'],
  outcomeTypeField: 'outcomeType',
  onePerOutcomeType: true,
  validate(c, comp, path) {
    c.decimal(comp, 'unitPrice', path, 'nonNegative', { required: true });
    c.string(comp, 'outcomeType', path, { required: true });
    const verification = checkVerification(c, comp, path, true);
    c.string(comp, 'breakdownBy', path);
    const window = c.string(comp, 'objectionWindow', path);
    if (window !== undefined) {
      if (!ISO_DURATION.test(window) || !/[1-9]/.test(window))
        c.error(at(path, 'objectionWindow'), `must be a positive ISO 8601 duration such as "PT24H" or "P3D", got ${JSON.stringify(window)}`);
      else if (verification !== undefined && verification !== 'customer')
        c.error(at(path, 'objectionWindow'), `only allowed when verification is customer (it is ${verification})`);
    }
    const included = c.decimal(comp, 'includedPerPeriod', path, 'nonNegative');
    if (included !== undefined && !dec(included).isInteger()) c.error(at(path, 'includedPerPeriod'), `must be a whole number of outcomes, got "${included}"`);
    const once = c.string(comp, 'chargeOncePer', path);
    if (once !== undefined && comp.breakdownBy !== undefined)
      c.error(at(path, 'chargeOncePer'), 'not allowed with breakdownBy: one case may have outcomes under several values of the breakdown');
  },
  breakdownBy: (c) => c.breakdownBy,
  measures: (c) => {
    const m = casesMeasure(c);
    return m ? [m] : [];
  },
  charges(c, key, ctx) {
    const charges = chargesOf(c, key, ctx);
    const allowance = includedAllowance(c, key, ctx);
    return allowance ? [...charges, allowance] : charges;
  },
  adjustmentUnitPrice: (c) => c.unitPrice,
  adjustmentQuantity: (delta, count, c) => {
    const m = c ? casesMeasure(c) : undefined;
    return m ? dsum(delta.map((row) => dec(measureOf(row, measureKey(m))))) : count;
  },
  adjustmentUnit: (c) => (c.chargeOncePer === undefined ? undefined : `${c.chargeOncePer} case`),
};

/** The allowance line: the first N verified outcomes of the period given back (none without an allowance or outcomes). */
function includedAllowance(c: PerOutcomeComponent, key: string, ctx: Ctx): Charge | undefined {
  if (c.includedPerPeriod === undefined) return undefined;
  const count = dec(chargedCount(c, ctx.aggregates.whole(c.outcomeType)));
  const included = dec(c.includedPerPeriod);
  const free = count.lessThan(included) ? count : included;
  if (!free.greaterThan(0)) return undefined;
  const n = plain(free);
  return {
    key: `${key}[included]`,
    kind: 'included_allowance',
    description: `Included allowance: ${n} of ${c.includedPerPeriod} ${c.chargeOncePer === undefined ? `${c.outcomeType} outcome` : `${c.chargeOncePer} case`}${c.includedPerPeriod === '1' ? '' : 's'} per period free`,
    quantity: plain(free.negated()),
    unitPrice: c.unitPrice,
    amount: dec(c.unitPrice).times(free).negated(),
    formula: `−${c.unitPrice} × min(${c.includedPerPeriod}, ${plain(count)})`,
    inputs: {
      outcomeType: c.outcomeType, unitPrice: c.unitPrice, includedPerPeriod: c.includedPerPeriod, count: plain(count), free: n, order: 'occurrence',
      ...(c.chargeOncePer !== undefined ? { chargeOncePer: c.chargeOncePer } : {}),
    },
  };
}

function chargesOf(c: PerOutcomeComponent, key: string, ctx: Ctx): Charge[] {
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
  if (c.chargeOncePer !== undefined) {
    const cases = chargedCount(c, whole);
    const outcomes = whole?.count ?? '0';
    const s = (n: string) => (n === '1' ? '' : 's');
    return [{
      key,
      description: c.description ?? `${cases} ${c.chargeOncePer} case${s(cases)} charged once (${outcomes} verified ${c.outcomeType} outcome${s(outcomes)}) × ${c.unitPrice}`,
      quantity: cases,
      unitPrice: c.unitPrice,
      amount: dec(c.unitPrice).times(cases),
      formula: `${c.unitPrice} × ${cases}`,
      inputs: { outcomeType: c.outcomeType, unitPrice: c.unitPrice, ...aggInputs(whole), chargeOncePer: c.chargeOncePer, cases },
    }];
  }
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
