import { priceInvoice } from './engine';
import { storedFigureMismatches, type StoredFigures } from './stored-figures';
import type { PricedInvoice } from './types';
import fixture from '../../test/fixtures/seed-scenarios.json';
import type { SeedScenario } from './scenario-terms';
import { goldenCases, goldenEngineInput } from './testing/golden-cases';

describe('storedFigureMismatches', () => {
  const priced = (() => {
    const [first] = goldenCases((fixture as { scenarios: SeedScenario[] }).scenarios);
    const r = priceInvoice(goldenEngineInput(first));
    if (!r.ok) throw new Error('seed refused');
    return r as PricedInvoice;
  })();
  const stored = (): StoredFigures => ({
    currency: priced.currency,
    // numeric(38,12) pads the scale: still the same figure
    subtotal: `${priced.subtotal}0000`,
    tax: priced.tax,
    total: priced.total,
    lines: JSON.parse(JSON.stringify(priced.lines)),
    traceJson: priced.traceJson,
    traceDigest: priced.traceDigest,
  });

  it('finds nothing when every stored figure is the recomputed one', () => {
    expect(storedFigureMismatches(stored(), priced)).toEqual([]);
  });

  it('names a raised total and a changed line amount, although the digest still matches', () => {
    const s = stored();
    s.total = '999999.00';
    s.lines[0].amount = '1.00';
    expect(storedFigureMismatches(s, priced)).toEqual([
      { field: 'total', stored: '999999.00', recomputed: priced.total },
      { field: 'lines[0].amount', stored: '1.00', recomputed: priced.lines[0].amount },
    ]);
  });

  it('names a dropped line and a changed currency', () => {
    const s = stored();
    s.currency = 'USD';
    s.lines = s.lines.slice(1);
    const fields = storedFigureMismatches(s, priced).map((m) => m.field);
    expect(fields).toContain('currency');
    expect(fields).toContain('lines.length');
  });
});
