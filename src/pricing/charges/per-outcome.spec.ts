import { priceInvoice } from '../engine';
import { monthPeriod } from '../period';
import { parseTerms } from '../terms';
import type { OutcomeAggregate, PricedInvoice, PricingContract, PricingInput, PricingResult, Terms } from '../types';

const contract: PricingContract = { currency: 'USD', timezone: 'UTC', taxRate: '0', startsOn: '2026-01-01', billingCycle: 'monthly' };
const march = monthPeriod('2026-03');
const february = monthPeriod('2026-02');

function agg(outcomeType: string, count: string, dimensions?: Record<string, string>): OutcomeAggregate {
  return { outcomeType, ...(dimensions ? { dimensions } : {}), count, quantitySum: '0', valueSum: '0', idsDigest: `xor128:${'0'.repeat(32)}` };
}

function ok(result: PricingResult): PricedInvoice {
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.reason}`);
  return result;
}

function run(terms: Terms, aggregates: OutcomeAggregate[], extra: Partial<PricingInput> = {}): PricedInvoice {
  return ok(priceInvoice({ contract, terms, period: march, aggregates, kpis: [], ...extra }));
}

const withAllowance = (included: string, more: object = {}): Terms => ({
  components: [{ type: 'per_outcome', unitPrice: '0.99', outcomeType: 'resolution', verification: 'customer', includedPerPeriod: included, ...more }],
});

describe('an included allowance on a per-outcome component', () => {
  it.each([
    ['N − 1 outcomes are all free', '49', '48.51', '-49', '-48.51', '0.00'],
    ['N outcomes are all free', '50', '49.50', '-50', '-49.50', '0.00'],
    ['N + 1 outcomes bill exactly one', '51', '50.49', '-50', '-49.50', '0.99'],
  ])('%s', (_name, count, charged, freeQuantity, given, subtotal) => {
    const inv = run(withAllowance('50'), [agg('resolution', count)]);
    expect(inv.lines.map((l) => [l.key, l.kind, l.quantity, l.amount])).toEqual([
      ['per_outcome', 'charge', count, charged],
      ['per_outcome[included]', 'included_allowance', freeQuantity, given],
    ]);
    expect(inv.subtotal).toBe(subtotal);
    expect(inv.lines[1].description).toBe(`Included allowance: ${freeQuantity.slice(1)} of 50 resolution outcomes per period free`);
    expect(inv.trace.lines[1]).toMatchObject({ formula: `−0.99 × min(50, ${count})`, inputs: { free: freeQuantity.slice(1), order: 'occurrence' } });
  });

  it('shows no allowance line in a period without outcomes, and none is carried over', () => {
    expect(run(withAllowance('50'), []).lines.map((l) => l.key)).toEqual(['per_outcome']);
  });

  it('gives back one line whatever the breakdown, before the minimum tops up', () => {
    const terms = withAllowance('3', { breakdownBy: 'hospital', minimum: '1.00' });
    const inv = run(terms, [agg('resolution', '4'), agg('resolution', '1', { hospital: 'H1' }), agg('resolution', '3', { hospital: 'H2' })]);
    expect(inv.lines.map((l) => [l.key, l.amount])).toEqual([
      ['per_outcome[hospital=H1]', '0.99'],
      ['per_outcome[hospital=H2]', '2.97'],
      ['per_outcome[included]', '-2.97'],
      ['per_outcome:minimum', '0.01'],
    ]);
  });

  it('bills an outcome verified late only when the earlier period used up its allowance', () => {
    const adj = (billed: string) => ({
      adjustments: [{ kind: 'late_verified' as const, period: february, terms: withAllowance('50'), kpis: [], billed: [agg('resolution', billed)], delta: [agg('resolution', '1')] }],
    });
    expect(run(withAllowance('50'), [], adj('49')).lines.filter((l) => l.kind === 'adjustment')).toEqual([]);
    expect(run(withAllowance('50'), [], adj('50')).lines.filter((l) => l.kind === 'adjustment').map((l) => l.amount)).toEqual(['0.99']);
  });

  it('must be a whole, non-negative number of outcomes', () => {
    expect(parseTerms(withAllowance('2.5'))).toMatchObject({ ok: false, errors: [{ path: 'components[0].includedPerPeriod', message: 'must be a whole number of outcomes, got "2.5"' }] });
    expect(parseTerms(withAllowance('-1'))).toMatchObject({ ok: false, errors: [{ path: 'components[0].includedPerPeriod' }] });
    expect(parseTerms(withAllowance('0')).ok).toBe(true);
  });
});

describe('an objection window on a per-outcome component', () => {
  const terms = (objectionWindow: unknown, verification = 'customer', verifier?: string) => ({
    components: [{ type: 'per_outcome', unitPrice: '15', outcomeType: 'report', verification, ...(verifier ? { verifier } : {}), objectionWindow }],
  });

  it('accepts positive ISO 8601 durations', () => {
    for (const w of ['PT24H', 'P1D', 'P1W', 'P1DT12H', 'PT90M', 'PT30S']) expect([w, parseTerms(terms(w)).ok]).toEqual([w, true]);
  });

  it('refuses what is not a positive duration, and a window on a type the customer does not verify', () => {
    for (const w of ['24h', 'P', 'PT', 'PT0S', 'P1.5D', 'PT24H ', 42])
      expect(parseTerms(terms(w))).toMatchObject({ ok: false, errors: [{ path: 'components[0].objectionWindow' }] });
    expect(parseTerms(terms('PT24H', 'third_party', 'Lab'))).toMatchObject({
      ok: false,
      errors: [{ path: 'components[0].objectionWindow', message: 'only allowed when verification is customer (it is third_party)' }],
    });
  });
});
