import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../common/project-root';
import { scenarioOutcomes, scenarioTerms, type SeedOutcome, type SeedScenario } from '../pricing/scenario-terms';

export type { SeedOutcome, SeedScenario };

/** The seven seed scenarios of test/fixtures/seed-scenarios.json (the data every clone carries). */
export function loadSeedScenarios(): SeedScenario[] {
  const file = join(projectRoot(), 'test', 'fixtures', 'seed-scenarios.json');
  return JSON.parse(readFileSync(file, 'utf8')).scenarios;
}

/** The scenario's components as a terms document (guarantee KPIs declared as customer-verified). */
export const termsOfScenario = scenarioTerms;

/** The outcomes a scenario lists, or those its `generate` rule makes (radiology, chatbot). */
export const outcomesOfScenario = scenarioOutcomes;
