import fc from 'fast-check';
import { addDays } from '../kernel/calendar';
import { dec, roundTo } from '../kernel/decimal';
import { periodStretches, stretchPart, stretchShare, termsForStretch } from './amendment';
import { priceInvoice, PricingInputError } from './engine';
import { monthPeriod } from './period';
import type { OutcomeAggregate, PricedInvoice, PricingContract, PricingInput, PricingResult, TermsSegment, Terms } from './types';

const contract: PricingContract = { currency: 'USD', timezone: 'UTC', taxRate: '0', startsOn: '2026-01-01', billingCycle: 'monthly' };
const march = monthPeriod('2026-03'); // 31 days
const money = (v: ReturnType<typeof dec>) => roundTo(v, 2, 'HALF_UP');

function agg(outcomeType: string, count: string): OutcomeAggregate {
  return { outcomeType, count, quantitySum: '0', valueSum: '0', idsDigest: 'd'.repeat(64) };
}

function ok(result: PricingResult): PricedInvoice {
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.reason}`);
  return result;
}

/** March split on the 15th: v1 for 14 days, v2 for 17. */
function split(v1: Terms, v2: Terms, a1: OutcomeAggregate[] = [], a2: OutcomeAggregate[] = [], extra: Partial<PricingInput> = {}): PricingResult {
  const segments: TermsSegment[] = [
    { start: march.start, end: '2026-03-15', from: march.start, termsVersionId: 'v1', terms: v1, aggregates: a1 },
    { start: '2026-03-15', end: march.end, from: march.start, termsVersionId: 'v2', terms: v2, aggregates: a2 },
  ];
  return priceInvoice({ contract, terms: v2, period: march, aggregates: [], kpis: [], segments, ...extra });
}

const amounts = (inv: PricedInvoice) => Object.fromEntries(inv.lines.map((l) => [l.key, l.amount]));
const report = (unitPrice: string, extra: Record<string, string> = {}): Terms => ({
  components: [{ type: 'per_outcome', outcomeType: 'report', unitPrice, verification: 'auto', ...extra }],
});

describe('a period split by a mid-period amendment', () => {
  it('prorates a flat fee by days under each version and shows both versions in the trace', () => {
    const inv = ok(split({ components: [{ type: 'flat_fee', amount: '3100', per: 'month' }] }, { components: [{ type: 'flat_fee', amount: '6200', per: 'month' }] }));
    expect(amounts(inv)).toEqual({ 'flat_fee@2026-03-01': '1400.00', 'flat_fee@2026-03-15': '3400.00' });
    expect(inv.total).toBe('4800.00');
    expect(inv.trace.lines.map((l) => l.formula)).toEqual(['3100 × 1 × 14/31', '6200 × 1 × 17/31']);
    expect(inv.lines[1].description).toContain('(2026-03-15 – 2026-03-31)');
    expect(inv.trace.segments?.map((s) => [s.start, s.end, s.days, s.termsVersionId])).toEqual([
      ['2026-03-01', '2026-03-15', 14, 'v1'],
      ['2026-03-15', '2026-04-01', 17, 'v2'],
    ]);
    expect(inv.trace.segments![0].termsSha256).not.toBe(inv.trace.segments![1].termsSha256);
  });

  it('prices each outcome by the version in force on its date', () => {
    const inv = ok(split(report('15'), report('20'), [agg('report', '2')], [agg('report', '3')]));
    expect(amounts(inv)).toEqual({ 'per_outcome@2026-03-01': '30.00', 'per_outcome@2026-03-15': '60.00' });
  });

  it('splits an included allowance into whole outcomes that add up to it (22 + 28 of 50)', () => {
    const inv = ok(split(report('1', { includedPerPeriod: '50' }), report('1', { includedPerPeriod: '50' }), [agg('report', '30')], [agg('report', '30')]));
    expect(amounts(inv)).toMatchObject({ 'per_outcome@2026-03-01[included]': '-22.00', 'per_outcome@2026-03-15[included]': '-28.00' });
    expect(inv.total).toBe('10.00');
  });

  it('prorates component minimums per stretch and sums invoice minimums over the versions', () => {
    const v = (min: string): Terms => ({ components: [{ type: 'per_outcome', outcomeType: 'report', unitPrice: '1', verification: 'auto', minimum: '310' }], minimum: min });
    const inv = ok(split(v('1000'), v('2000')));
    // Component: 310 × 14/31 = 140 and 310 × 17/31 = 170. Invoice: 1000 × 14/31 = 451.61 + 2000 × 31/31 − 2000 × 14/31 = 1096.77.
    expect(amounts(inv)).toMatchObject({ 'per_outcome@2026-03-01:minimum': '140.00', 'per_outcome@2026-03-15:minimum': '170.00' });
    expect(inv.lines.find((l) => l.key === 'invoice:minimum')?.description).toBe('Minimum commitment true-up to 1548.38');
    expect(inv.total).toBe('1548.38');
  });

  it('caps the invoice only when every version has a cap', () => {
    const capped = (cap?: string): Terms => ({ components: [{ type: 'flat_fee', amount: '3100', per: 'month' }], ...(cap ? { cap } : {}) });
    expect(ok(split(capped('310'), capped('310'))).total).toBe('310.00');
    expect(ok(split(capped('310'), capped())).total).toBe('3100.00');
  });

  it('restarts tiers under each version, as a plan change does', () => {
    const tiered: Terms = {
      components: [{ type: 'usage', metric: 'tokens', tiers: [{ upTo: '10', unitPrice: '1' }, { upTo: null, unitPrice: '0.5' }] }],
    };
    const q = (n: string): OutcomeAggregate => ({ ...agg('tokens', '1'), quantitySum: n });
    const inv = ok(split(tiered, tiered, [q('10')], [q('10')]));
    expect(inv.total).toBe('20.00');
  });

  it('refuses stretches that do not tile the end of the period, and bad terms in a stretch name it', () => {
    const t = report('1');
    const bad = (segments: TermsSegment[]) => () => priceInvoice({ contract, terms: t, period: march, aggregates: [], kpis: [], segments });
    const s = (start: string, end: string): TermsSegment => ({ start, end, from: march.start, terms: t, aggregates: [] });
    expect(bad([s(march.start, '2026-03-15')])).toThrow(PricingInputError);
    expect(bad([s(march.start, '2026-03-15'), s('2026-03-16', march.end)])).toThrow(PricingInputError);
    expect(bad([s(march.start, '2026-03-15'), s('2026-03-15', '2026-03-30')])).toThrow(PricingInputError);
    const refused = split({ components: [{ type: 'per_outcome', outcomeType: 'report', unitPrice: 'x', verification: 'auto' }] } as never, t);
    expect(refused).toMatchObject({ ok: false, code: 'TERMS_INVALID' });
    expect(JSON.stringify(refused)).toContain('segments[0].terms.components[0].unitPrice');
  });

  it('prices a late outcome of a split period by the version of its stretch', () => {
    const v1 = report('15');
    const v2 = report('20');
    const adjustment = (segment: TermsSegment, terms: Terms) =>
      ({ kind: 'late_verified' as const, period: march, segment, terms, kpis: [], billed: [], delta: [agg('report', '1')] });
    const [s1, s2] = [
      { start: march.start, end: '2026-03-15', from: march.start, termsVersionId: 'v1' },
      { start: '2026-03-15', end: march.end, from: march.start, termsVersionId: 'v2' },
    ];
    const april = priceInvoice({
      contract, terms: v2, period: monthPeriod('2026-04'), aggregates: [], kpis: [],
      adjustments: [adjustment({ ...s1, terms: v1, aggregates: [] }, v1), adjustment({ ...s2, terms: v2, aggregates: [] }, v2)],
    });
    expect(amounts(ok(april))).toEqual({
      'per_outcome': '0.00',
      'adj:late_verified:2026-03-01:per_outcome@2026-03-01': '15.00',
      'adj:late_verified:2026-03-01:per_outcome@2026-03-15': '20.00',
    });
  });
});

describe('laws of the split', () => {
  it('an amendment that changes no per-period amount sums back to it, for any day and amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 500 }), (day, cents, allowance) => {
        const share = (start: string, end: string) => stretchShare(march, { start, end, from: march.start });
        const cut = addDays(march.start, day);
        const amount = dec(String(cents)).div(100).toFixed(2);
        const parts = [share(march.start, cut), share(cut, march.end)];
        expect(parts.reduce((a, s) => a.plus(stretchPart(amount, s, money)), dec('0')).toFixed(2)).toBe(amount);
        const whole = (v: ReturnType<typeof dec>) => v.toDecimalPlaces(0, 1);
        expect(parts.reduce((a, s) => a.plus(stretchPart(String(allowance), s, whole)), dec('0')).toFixed()).toBe(String(allowance));
      }),
    );
  });

  it('a flat fee split on any day under identical versions bills the unsplit fee to the cent (±1 cent per stretch)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 1_000_000 }), (day, cents) => {
        const terms: Terms = { components: [{ type: 'flat_fee', amount: dec(String(cents)).div(100).toFixed(2), per: 'month' }] };
        const cut = addDays(march.start, day);
        const whole = ok(priceInvoice({ contract, terms, period: march, aggregates: [], kpis: [] }));
        const parts = ok(priceInvoice({
          contract, terms, period: march, aggregates: [], kpis: [],
          segments: [
            { start: march.start, end: cut, from: march.start, terms, aggregates: [] },
            { start: cut, end: march.end, from: march.start, terms, aggregates: [] },
          ],
        }));
        expect(dec(parts.total).minus(whole.total).abs().lessThanOrEqualTo('0.01')).toBe(true);
      }),
    );
  });

  it('cuts only periods an amendment falls inside, the first stretch reading the days before it', () => {
    const versions = [{ id: 'a', effectiveFrom: '2026-01-01' }, { id: 'b', effectiveFrom: '2026-03-15' }];
    expect(periodStretches(versions, monthPeriod('2026-02'))).toBeNull();
    expect(periodStretches(versions, march)?.map((s) => [s.termsVersionId, s.start, s.end, s.readFrom, s.from])).toEqual([
      ['a', '2026-03-01', '2026-03-15', '2026-03-01', '2026-03-01'],
      ['b', '2026-03-15', '2026-04-01', '2026-03-15', '2026-03-01'],
    ]);
    const late = [{ id: 'a', effectiveFrom: '2026-03-05' }, { id: 'b', effectiveFrom: '2026-03-15' }];
    expect(periodStretches(late, march)?.[0]).toMatchObject({ start: '2026-03-05', readFrom: '2026-03-01', from: '2026-03-05' });
  });

  it('prorates per-period amounts of the terms and leaves prices alone', () => {
    const t: Terms = {
      components: [
        { type: 'value_share', outcomeType: 'savings', rate: '0.1', verification: 'auto', freeValue: '3100', floor: '31', cap: '62', guarantee: { kpi: 'k', comparator: 'gte', threshold: '1', creditIfMissed: '310' } },
        { type: 'usage', metric: 'tokens', unitPrice: '0.5', freeUnits: '1000' },
      ],
    };
    const s = termsForStretch(t, stretchShare(march, { start: march.start, end: '2026-03-15', from: march.start }), money);
    expect(s.components[0]).toMatchObject({ rate: '0.1', freeValue: '1400', floor: '14', cap: '28', guarantee: { creditIfMissed: '140' } });
    expect(s.components[1]).toMatchObject({ unitPrice: '0.5', freeUnits: '451.612903225806' });
  });
});
