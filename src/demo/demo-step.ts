import type { SeedScenario } from './seed-scenarios';

export interface DemoContext {
  vendorId: string;
  /** Principals to act as: the vendor admin, and each scenario's customer. */
  vendorKeyId: string;
  scenarios: Array<{ scenario: SeedScenario; contractId: string; customerId: string; customerKeyId: string }>;
}

/**
 * One step of the demo data (src/demo/steps), run once, in the seeder's order, on the first
 * `npm start`. The demo owns its steps and calls the domains' public services: no domain
 * imports the demo.
 */
export interface DemoStepRunner {
  run(ctx: DemoContext): Promise<void>;
}
