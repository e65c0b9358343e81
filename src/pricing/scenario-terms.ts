// The seed scenarios (test/fixtures/seed-scenarios.json) as terms and outcomes: production code
// (the demo data of `npm start`, src/demo) and the specs (the engine's seed spec, the e2e tests) share it.
import { componentOutcomeType, parseTerms } from './terms';
import type { PriceComponent, Terms } from './types';

export interface SeedOutcome {
  externalId: string;
  type: string;
  quantity?: string;
  value?: string;
  occurredAt: string;
  dimensions?: Record<string, string>;
  /** Absent means verified (metered usage is verified automatically). */
  status?: 'recorded' | 'verified' | 'rejected' | 'disputed' | 'reversed';
}

export interface SeedScenario {
  id: string;
  source?: string;
  contract: {
    currency: string;
    timezone: string;
    taxRate: string;
    startsOn: string;
    endsOn?: string | null;
    billingCycle: 'monthly' | 'annual';
  };
  components: unknown[];
  /** How its outcomes convert to money for ROI (POST /v1/contracts/:id/value-basis); none where the facts state no value. */
  valueBasis?: { effectiveFrom: string; description?: string; items: unknown[] };
  outcomes?: SeedOutcome[];
  generate?: string;
  expected: Record<string, Record<string, unknown>>;
}

/**
 * The scenario's `components` as a valid Terms document. Every guarantee KPI that no component
 * prices is declared in `outcomeTypes` with customer verification (traffic:
 * `congestion_reduction_pct`). Throws, listing the errors, when the result is not valid terms.
 */
export function scenarioTerms(scenario: Pick<SeedScenario, 'id' | 'components'>): Terms {
  const components = JSON.parse(JSON.stringify(scenario.components)) as PriceComponent[];
  const priced = new Set<string>();
  for (const c of components) {
    const type = componentOutcomeType(c);
    if (type !== undefined) priced.add(type);
  }
  const outcomeTypes: NonNullable<Terms['outcomeTypes']> = {};
  for (const c of components) {
    if (c.guarantee && !priced.has(c.guarantee.kpi)) outcomeTypes[c.guarantee.kpi] = { verification: 'customer' };
  }
  const doc: Terms = { components, ...(Object.keys(outcomeTypes).length > 0 ? { outcomeTypes } : {}) };
  const parsed = parseTerms(doc);
  if (!parsed.ok) {
    throw new Error(`scenario ${scenario.id}: invalid terms: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  }
  return parsed.terms;
}

const MINUTE_MS = 60_000;

/**
 * The scenario's outcomes, with its `generate` rule expanded (the rules are prose in the fixture;
 * the two known ones, radiology and chatbot, are implemented here exactly as written).
 */
export function scenarioOutcomes(scenario: Pick<SeedScenario, 'id' | 'outcomes' | 'generate'>): SeedOutcome[] {
  const listed = scenario.outcomes ?? [];
  if (!scenario.generate) return listed;
  const out: SeedOutcome[] = [...listed];
  if (scenario.id === 'radiology') {
    const base = Date.parse('2026-03-01T08:00:00+08:00');
    for (let i = 0; i < 10000; i++) {
      out.push({
        externalId: `rep-${i}`,
        type: 'report',
        quantity: '1',
        occurredAt: new Date(base + i * MINUTE_MS).toISOString(),
        dimensions: { hospital: `H${Math.floor(i / 200)}` },
        status: i % 50 < 39 ? 'verified' : 'rejected',
      });
    }
    return out;
  }
  if (scenario.id === 'chatbot') {
    for (let d = 1; d <= 31; d++) {
      const day = String(d).padStart(2, '0');
      out.push({
        externalId: `q-2026-03-${d}`,
        type: 'query',
        occurredAt: `2026-03-${day}T23:59:00+08:00`,
        quantity: d <= 30 ? '39825' : '39817',
        status: 'verified',
      });
    }
    return out;
  }
  throw new Error(`scenario ${scenario.id}: unknown generate rule: ${scenario.generate}`);
}
