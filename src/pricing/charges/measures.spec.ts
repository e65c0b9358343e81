import fc from 'fast-check';
import { dec, dsum, plain } from '../../kernel/decimal';
import { priceInvoice } from '../engine';
import { monthPeriod } from '../period';
import { aggregateMeasures, parseTerms } from '../terms';
import type { OutcomeAggregate, PricedInvoice, PricingContract, PricingInput, PricingResult, Terms } from '../types';
import { type AggregateMeasure, measureKey, measureOfOutcome } from './measures';

const contract: PricingContract = { currency: 'USD', timezone: 'UTC', taxRate: '0', startsOn: '2026-01-01', billingCycle: 'monthly' };
const march = monthPeriod('2026-03');
const february = monthPeriod('2026-02');
const RUNS = { numRuns: 200 };

interface O {
  quantity?: string;
  value?: string;
  localDate: string;
}

/** One whole-type aggregate of these outcomes with the measures the terms ask for, summed per outcome as SQL does. */
function aggOf(terms: Terms, type: string, outcomes: O[], sign = 1): OutcomeAggregate {
  const measures: Record<string, string> = {};
  for (const m of aggregateMeasures([terms]).filter((x) => x.outcomeType === type))
    measures[measureKey(m)] = plain(dsum(outcomes.map((o) => measureOfOutcome(m, { quantity: o.quantity ?? null, value: o.value ?? null, localDate: o.localDate }))).times(sign));
  const sum = (f: (o: O) => string | undefined) => plain(dsum(outcomes.map((o) => dec(f(o) ?? '0'))).times(sign));
  return {
    outcomeType: type, count: String(outcomes.length * sign), quantitySum: sum((o) => o.quantity), valueSum: sum((o) => o.value),
    measures, idsDigest: `xor128:${'0'.repeat(32)}`,
  };
}

function ok(result: PricingResult): PricedInvoice {
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.reason}`);
  return result;
}

function run(terms: Terms, aggregates: OutcomeAggregate[], extra: Partial<PricingInput> = {}, c = contract): PricedInvoice {
  return ok(priceInvoice({ contract: c, terms, period: march, aggregates, kpis: [], ...extra }));
}

const clamped = (more: object = {}): Terms => ({
  components: [{ type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'customer', perTransactionMin: '5', perTransactionMax: '50', ...more }],
});
const savings = (...values: string[]): O[] => values.map((value) => ({ value, localDate: '2026-03-05' }));

describe('a per-transaction minimum and maximum on a value share', () => {
  it('clamps each outcome’s share, then sums: 20 → 5 (minimum), 300 → 30, 900 → 50 (maximum)', () => {
    const inv = run(clamped(), [aggOf(clamped(), 'savings', savings('20', '300', '900'))]);
    expect(inv.lines[0]).toMatchObject({ key: 'value_share', quantity: '1220', amount: '85.00' });
    expect(inv.trace.lines[0]).toMatchObject({
      formula: 'Σ clamp(0.10 × value, 5, 50)',
      inputs: { perTransactionMin: '5', perTransactionMax: '50', clampedSum: '85', unclamped: '122', count: '3' },
    });
  });

  it('takes one bound alone, and adds the fee per transaction outside the clamp', () => {
    const minOnly = clamped({ perTransactionMax: undefined });
    expect(run(minOnly, [aggOf(minOnly, 'savings', savings('20', '300', '900'))]).lines[0].amount).toBe('125.00');
    const withFee = clamped({ perTransactionFee: '0.50' });
    const inv = run(withFee, [aggOf(withFee, 'savings', savings('20', '300', '900'))]);
    expect([inv.lines[0].amount, inv.trace.lines[0].formula]).toEqual(['86.50', 'Σ clamp(0.10 × value, 5, 50) + 0.50 × 3']);
  });

  it('prices a late outcome at its own clamped share, and a reversal gives exactly that back', () => {
    const terms = clamped();
    const billed = aggOf(terms, 'savings', savings('20', '300'));
    const late = aggOf(terms, 'savings', savings('900'));
    const adj = (kind: 'late_verified' | 'reversal', b: OutcomeAggregate[], d: OutcomeAggregate) =>
      run(terms, [], { adjustments: [{ kind, period: february, terms, kpis: [], billed: b, delta: [d] }] }).lines.filter((l) => l.kind === 'adjustment').map((l) => l.amount);
    expect(adj('late_verified', [billed], late)).toEqual(['50.00']);
    expect(adj('reversal', [billed, late], aggOf(terms, 'savings', savings('20'), -1))).toEqual(['-5.00']);
  });

  it('refuses a minimum above the maximum, negative bounds, and bands or free value beside them, naming each field', () => {
    const paths = (t: unknown) => {
      const r = parseTerms(t);
      return r.ok ? [] : r.errors.map((e) => e.path);
    };
    expect(paths(clamped({ perTransactionMin: '60' }))).toEqual(['components[0].perTransactionMin']);
    expect(paths(clamped({ perTransactionMax: '-1' }))).toEqual(['components[0].perTransactionMax']);
    expect(paths(clamped({ freeValue: '100' }))).toEqual(['components[0].perTransactionMin', 'components[0].perTransactionMax']);
    expect(paths(clamped({ rate: undefined, bands: [{ upTo: null, rate: '0.1' }] }))).toEqual(['components[0].perTransactionMin', 'components[0].perTransactionMax']);
  });

  it('refuses an aggregate that lacks the measure its terms need', () => {
    const row: OutcomeAggregate = { outcomeType: 'savings', count: '1', quantitySum: '0', valueSum: '10', idsDigest: 'x' };
    expect(() => run(clamped(), [row])).toThrow(/lacks the measure "clamp\(0\.10 × value, 5, 50\)"/);
  });

  it('lies between count × min and count × max, and is the plain share when the bounds never bind (property)', () => {
    const valuesArb = fc.array(fc.bigInt({ min: BigInt(0), max: BigInt(10) ** BigInt(8) }).map((n) => plain(dec(n.toString()).div(100))), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(valuesArb, fc.bigInt({ min: BigInt(0), max: BigInt(1000) }), fc.bigInt({ min: BigInt(0), max: BigInt(100000) }), (values, lo, span) => {
        const min = lo.toString();
        const max = (lo + span).toString();
        const terms = clamped({ perTransactionMin: min, perTransactionMax: max });
        const amount = dec(run(terms, [aggOf(terms, 'savings', savings(...values))]).lines[0].unroundedAmount);
        expect(amount.greaterThanOrEqualTo(dec(min).times(values.length))).toBe(true);
        expect(amount.lessThanOrEqualTo(dec(max).times(values.length))).toBe(true);
        const loose = clamped({ perTransactionMin: '0', perTransactionMax: '100000000' });
        const plainShare = dec(run(loose, [aggOf(loose, 'savings', savings(...values))]).lines[0].unroundedAmount);
        expect(plainShare.eq(dsum(values.map((v) => dec(v))).times('0.10'))).toBe(true);
      }),
      RUNS,
    );
  });
});

const seats = (more: object = {}): Terms => ({ components: [{ type: 'usage', metric: 'seat', unitPrice: '20', prorated: true, ...more }] });
const added = (quantity: string, localDate: string): O => ({ quantity, localDate });

describe('prorated usage for a recurring metric', () => {
  it('counts each quantity from its local date to the period’s end: 10 seats from 1 March, 5 from the 10th, 2 removed on the 25th', () => {
    // 10 × 31 + 5 × 22 − 2 × 7 = 406 seat-days; ÷ 31 = 13.0967…; × 20 = 261.935… → 261.94.
    const inv = run(seats(), [aggOf(seats(), 'seat', [added('10', '2026-03-01'), added('5', '2026-03-10'), added('-2', '2026-03-25')])]);
    expect(inv.lines[0]).toMatchObject({ key: 'seat', quantity: '13.096774193548', amount: '261.94', description: '13.096774193548 seat (prorated) at 20 per 1' });
    expect(inv.trace.lines[0].formula).toMatch(/^units = 406 unit-days ÷ 31 days; 20 × 13\.0967741935483870967/);
    expect(inv.trace.lines[0].inputs).toMatchObject({ quantitySum: '13', prorated: { activeEnd: '2026-04-01', periodDays: 31, unitDays: '406' } });
  });

  it('stops at the contract’s last day', () => {
    // Ends 20 March: 10 × 20 + 5 × 11 = 255 seat-days → 255 × 20 ÷ 31 = 164.516… → 164.52.
    const ending = { ...contract, endsOn: '2026-03-20' };
    const inv = run(seats(), [aggOf(seats(), 'seat', [added('10', '2026-03-01'), added('5', '2026-03-10')])], {}, ending);
    expect([inv.lines[0].amount, inv.trace.lines[0].inputs.prorated]).toMatchObject(['164.52', { activeEnd: '2026-03-21', unitDays: '255' }]);
  });

  it('deducts free units and applies tiers to the prorated units', () => {
    // 406 / 31 = 13.0967… seats, 3 free → 10.0967…; first 5 at 20, the rest at 10: 100 + 50.967… = 150.97.
    const terms = seats({ unitPrice: undefined, freeUnits: '3', tiers: [{ upTo: '5', unitPrice: '20' }, { upTo: null, unitPrice: '10' }] });
    const inv = run(terms, [aggOf(terms, 'seat', [added('10', '2026-03-01'), added('5', '2026-03-10'), added('-2', '2026-03-25')])]);
    expect(inv.lines[0].amount).toBe('150.97');
  });

  it('bills a quantity verified late for its own days only', () => {
    const terms = seats();
    const adjustments = [{
      kind: 'late_verified' as const, period: march, terms, kpis: [],
      billed: [aggOf(terms, 'seat', [added('10', '2026-03-01')])], delta: [aggOf(terms, 'seat', [added('5', '2026-03-10')])],
    }];
    // 5 × 22 ÷ 31 × 20 = 70.967… → 70.97.
    const inv = ok(priceInvoice({ contract, terms, period: monthPeriod('2026-04'), aggregates: [], kpis: [], adjustments }));
    expect(inv.lines.filter((l) => l.kind === 'adjustment').map((l) => [l.quantity, l.amount])).toEqual([['5', '70.97']]);
  });

  it('must be a boolean', () => {
    expect(parseTerms(seats({ prorated: 'yes' }))).toMatchObject({ ok: false, errors: [{ path: 'components[0].prorated', message: 'must be a boolean, got string' }] });
  });

  it('never bills more than the unprorated usage, and the same when every unit starts on the first day (property)', () => {
    const dayArb = fc.integer({ min: 1, max: 31 }).map((d) => `2026-03-${d < 10 ? '0' : ''}${d}`);
    const oArb = fc.record({ quantity: fc.bigInt({ min: BigInt(0), max: BigInt(10) ** BigInt(6) }).map((n) => n.toString()), localDate: dayArb });
    fc.assert(
      fc.property(fc.array(oArb, { minLength: 1, maxLength: 20 }), (outcomes) => {
        const prorated = dec(run(seats(), [aggOf(seats(), 'seat', outcomes)]).lines[0].unroundedAmount);
        const flat = seats({ prorated: false });
        const full = dec(run(flat, [aggOf(flat, 'seat', outcomes)]).lines[0].unroundedAmount);
        expect(prorated.lessThanOrEqualTo(full)).toBe(true);
        const fromFirst = outcomes.map((o) => ({ ...o, localDate: '2026-03-01' }));
        expect(dec(run(seats(), [aggOf(seats(), 'seat', fromFirst)]).lines[0].unroundedAmount).eq(full)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('aggregate measures', () => {
  it('are listed once per outcome type and rule, whatever the number of terms asking', () => {
    const list: AggregateMeasure[] = aggregateMeasures([clamped(), clamped(), seats(), { components: [{ type: 'usage', metric: 'query', unitPrice: '1' }] }]);
    expect(list.map((m) => [m.outcomeType, measureKey(m)])).toEqual([['savings', 'clamp(0.10 × value, 5, 50)'], ['seat', 'quantity × local day']]);
  });
});
