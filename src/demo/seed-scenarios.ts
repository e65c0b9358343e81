import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../common/project-root';
import type { PriceComponent, Terms } from '../pricing/types';

/** One seed scenario of test/fixtures/seed-scenarios.json (a copy of shared/scenarios). */
export interface SeedScenario {
  id: string;
  source: string;
  contract: { currency: string; timezone: string; taxRate: string; startsOn: string; billingCycle: 'monthly' | 'annual' };
  components: PriceComponent[];
  outcomes?: SeedOutcome[];
  generate?: string;
  expected: Record<string, Record<string, unknown>>;
}

export interface SeedOutcome {
  externalId: string;
  type: string;
  quantity?: string;
  value?: string;
  occurredAt: string;
  dimensions?: Record<string, string>;
  status?: 'verified' | 'rejected' | 'recorded';
}

export function loadSeedScenarios(): SeedScenario[] {
  const file = join(projectRoot(), 'test', 'fixtures', 'seed-scenarios.json');
  return JSON.parse(readFileSync(file, 'utf8')).scenarios;
}

/** The scenario's components as a terms document; guarantee KPIs are declared as customer-verified outcome types. */
export function termsOfScenario(s: SeedScenario): Terms {
  const kpis = s.components.flatMap((c) => (c.guarantee ? [c.guarantee.kpi] : []));
  return {
    components: s.components,
    ...(kpis.length ? { outcomeTypes: Object.fromEntries(kpis.map((k) => [k, { verification: 'customer' as const }])) } : {}),
  };
}

/** The outcomes a scenario lists, or those its `generate` rule makes (radiology, chatbot). */
export function outcomesOfScenario(s: SeedScenario): SeedOutcome[] {
  if (s.outcomes) return s.outcomes;
  if (s.id === 'radiology')
    return Array.from({ length: 10_000 }, (_, i) => ({
      externalId: `rep-${i}`,
      type: 'report',
      quantity: '1',
      occurredAt: new Date(Date.parse('2026-03-01T08:00:00+08:00') + i * 60_000).toISOString(),
      dimensions: { hospital: `H${Math.floor(i / 200)}` },
      status: i % 50 < 39 ? 'verified' : 'rejected',
    }));
  if (s.id === 'chatbot')
    return Array.from({ length: 31 }, (_, k) => {
      const d = k + 1;
      return {
        externalId: `q-2026-03-${d}`,
        type: 'query',
        quantity: d <= 30 ? '39825' : '39817',
        occurredAt: `2026-03-${String(d).padStart(2, '0')}T23:59:00+08:00`,
      };
    });
  throw new Error(`scenario ${s.id} has neither outcomes nor a known generate rule`);
}
