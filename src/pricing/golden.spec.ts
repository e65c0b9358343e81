// Golden invoices: the canonical trace JSON and digest of every seed scenario's invoices and of a
// few edge contracts, committed in src/pricing/golden/. An engine change that alters any byte of a
// past invoice fails here. `UPDATE_GOLDEN=1 npx jest src/pricing/golden.spec.ts` rewrites the
// files: do that only for a deliberate change of the engine (and a new ENGINE_VERSION).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fixture from '../../test/fixtures/seed-scenarios.json';
import { repriceInvoice } from '../audit/verify-bundle';
import { priceInvoice } from './engine';
import { goldenCases, goldenEngineInput } from './testing/golden-cases';
import type { SeedScenario } from './scenario-terms';
import type { PricedInvoice, PricingResult } from './types';

const DIR = join(__dirname, 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function priced(result: PricingResult): PricedInvoice {
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.reason}`);
  return result;
}

describe('golden invoices', () => {
  const cases = goldenCases((fixture as { scenarios: SeedScenario[] }).scenarios);

  it('pins every seed scenario invoice and the edge contracts', () => {
    expect(cases.length).toBeGreaterThanOrEqual(19);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: the engine reproduces the golden trace byte for byte', (name, c) => {
    const invoice = priced(priceInvoice(goldenEngineInput(c)));
    const tracePath = join(DIR, `${name}.trace.json`);
    const digestPath = join(DIR, `${name}.sha256`);
    if (UPDATE) {
      writeFileSync(tracePath, invoice.traceJson);
      writeFileSync(digestPath, `${invoice.traceDigest}\n`);
    }
    expect(existsSync(tracePath)).toBe(true);
    expect(invoice.traceJson).toBe(readFileSync(tracePath, 'utf8'));
    expect(`${invoice.traceDigest}\n`).toBe(readFileSync(digestPath, 'utf8'));
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: the offline verifier recomputes the same trace', (name, c) => {
    const invoice = priced(repriceInvoice(c));
    expect(invoice.traceJson).toBe(readFileSync(join(DIR, `${name}.trace.json`), 'utf8'));
    expect(`${invoice.traceDigest}\n`).toBe(readFileSync(join(DIR, `${name}.sha256`), 'utf8'));
  });

  it('covers late verification, reversal, missed guarantees, tiers, minimum and cap', () => {
    const kinds = new Set<string>();
    for (const c of cases) for (const l of priced(priceInvoice(goldenEngineInput(c))).lines) kinds.add(l.adjustment ? `adjustment:${l.adjustment.kind}` : l.kind);
    expect([...kinds].sort()).toEqual(['adjustment:late_verified', 'adjustment:reversal', 'cap', 'charge', 'guarantee_credit', 'minimum_true_up']);
  });
});
