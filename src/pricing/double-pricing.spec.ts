import fc from 'fast-check';
import { priceInvoice } from './engine';
import { parseTerms } from './terms';
import type { PricingInput } from './types';

const share = (outcomeType: string, extra: object = {}) => ({ type: 'value_share', rate: '0.10', outcomeType, verification: 'customer', ...extra });
const perOutcome = (outcomeType: string, extra: object = {}) => ({ type: 'per_outcome', unitPrice: '15.00', outcomeType, verification: 'customer', ...extra });
// Customer-verified, like the others, so that kinds may share a type without a verification conflict.
const usage = (metric: string, extra: object = {}) => ({ type: 'usage', metric, unitPrice: '0.20', verification: 'customer', ...extra });
const flat = { type: 'flat_fee', amount: '100.00', per: 'month' };
const area = { type: 'per_area', annualRatePerKm2: '1200.00', areaKm2: '2' };

function errorsOf(doc: unknown) {
  const r = parseTerms(doc);
  return r.ok ? [] : r.errors;
}

describe('double pricing', () => {
  const refused: [string, unknown[], { path: string; keys: string[] }[]][] = [
    ['two value shares on savings', [share('savings'), flat, share('savings', { key: 'bonus', rate: '0.05' })], [
      { path: 'components[0]', keys: ['value_share', 'components[2]', 'bonus'] },
      { path: 'components[2]', keys: ['bonus', 'components[0]', '"value_share"'] },
    ]],
    ['two per-outcome prices on report (one broken down)', [perOutcome('report'), perOutcome('report', { breakdownBy: 'hospital' })], [
      { path: 'components[0]', keys: ['"per_outcome"', 'components[1]', '"per_outcome#2"'] },
      { path: 'components[1]', keys: ['"per_outcome#2"', 'components[0]'] },
    ]],
    ['two usage components on one metric with different keys', [usage('query', { key: 'query-a' }), usage('query', { key: 'query-b', freeUnits: '100' })], [
      { path: 'components[0]', keys: ['"query-a"', 'components[1]', '"query-b"', 'metric "query"'] },
      { path: 'components[1]', keys: ['"query-b"', 'components[0]', '"query-a"'] },
    ]],
    ['three value shares: each names the two others', [share('savings'), share('savings', { key: 'b' }), share('savings', { key: 'c' })], [
      { path: 'components[0]', keys: ['components[1]', 'components[2]'] },
      { path: 'components[1]', keys: ['components[0]', 'components[2]'] },
      { path: 'components[2]', keys: ['components[0]', 'components[1]'] },
    ]],
  ];
  it.each(refused)('refuses %s, naming every component involved', (_name, components, expected) => {
    const errors = errorsOf({ components }).filter((e) => /double pricing/.test(e.message));
    expect(errors.map((e) => e.path)).toEqual(expected.map((e) => e.path));
    expected.forEach((e, i) => {
      for (const part of e.keys) expect(errors[i].message).toContain(part);
    });
  });

  it('reports double pricing beside the other errors of the document', () => {
    const errors = errorsOf({ components: [share('savings', { rate: 'ten' }), share('savings'), { type: 'bounty' }] });
    expect(errors.map((e) => e.path)).toEqual(['components[0].rate', 'components[2].type', 'components[0]', 'components[1]']);
  });

  const allowed: [string, unknown[]][] = [
    ['a value share plus a per-outcome fee on the same type', [share('savings'), perOutcome('savings')]],
    ['value shares on two different types', [share('savings'), share('bad_debt_avoided')]],
    ['usage on two metrics', [usage('tokens.input'), usage('tokens.output')]],
    ['usage and a per-outcome fee on the same name', [usage('report'), perOutcome('report')]],
    ['two flat fees and two area fees (they read no outcome)', [flat, { ...flat, key: 'support' }, area, { ...area, key: 'zone-b' }]],
  ];
  it.each(allowed)('accepts %s', (_name, components) => {
    expect(errorsOf({ components })).toEqual([]);
  });

  it('accepts double pricing in stored terms, which the engine still prices as it was invoiced', () => {
    const doc = { components: [share('savings'), share('savings', { key: 'bonus' })] };
    expect(parseTerms(doc, { stored: true }).ok).toBe(true);
    const input: PricingInput = {
      contract: { currency: 'CNY', timezone: 'Asia/Shanghai', taxRate: '0', startsOn: '2026-01-01', billingCycle: 'monthly' },
      terms: doc as PricingInput['terms'],
      period: { start: '2026-03-01', end: '2026-04-01' },
      aggregates: [{ outcomeType: 'savings', count: '1', quantitySum: '0', valueSum: '1000.00', idsDigest: 'x' }],
      kpis: [],
    };
    const result = priceInvoice(input);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.lines.map((l) => [l.key, l.amount])).toEqual([['value_share', '100.00'], ['bonus', '100.00']]);
  });

  // The kinds that bill per outcome, and the field each reads.
  const kindArb = fc.constantFrom('value_share', 'per_outcome', 'usage');
  const typeArb = fc.constantFrom('savings', 'report', 'query', 'tokens', 'bad_debt');
  const component = (kind: string, type: string, i: number) => {
    const key = { key: `c${i}` };
    if (kind === 'value_share') return share(type, key);
    if (kind === 'per_outcome') return perOutcome(type, key);
    return usage(type, key);
  };
  const distinctPairs = fc.uniqueArray(fc.tuple(kindArb, typeArb), { minLength: 1, maxLength: 8, selector: ([k, t]) => `${k}/${t}` });

  it('property: any permutation of distinct (kind, type) pairs is accepted, with fees in between', () => {
    fc.assert(
      fc.property(distinctPairs, fc.nat({ max: 3 }), (pairs, fees) => {
        const components: unknown[] = pairs.map(([k, t], i) => component(k, t, i));
        for (let f = 0; f < fees; f++) components.splice(f % (components.length + 1), 0, { ...flat, key: `fee${f}` });
        expect(errorsOf({ components })).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('property: any terms with a duplicated (kind, type) pair are refused, naming both positions', () => {
    fc.assert(
      fc.property(distinctPairs, fc.nat(), fc.nat(), (pairs, which, where) => {
        const dup = pairs[which % pairs.length];
        const list = [...pairs];
        const at = where % (list.length + 1);
        list.splice(at, 0, dup);
        const components = list.map(([k, t], i) => component(k, t, i));
        const positions = list.map((p, i) => (p === dup ? i : -1)).filter((i) => i >= 0);
        const errors = errorsOf({ components }).filter((e) => /double pricing/.test(e.message));
        expect(errors.map((e) => e.path)).toEqual(positions.map((i) => `components[${i}]`));
        expect(errors[0].message).toContain(`components[${positions[1]}] (key "c${positions[1]}")`);
        expect(errors[1].message).toContain(`components[${positions[0]}] (key "c${positions[0]}")`);
      }),
      { numRuns: 200 },
    );
  });
});
