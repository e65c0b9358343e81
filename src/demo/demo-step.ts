import { SetMetadata } from '@nestjs/common';
import type { SeedScenario } from './seed-scenarios';

export interface DemoContext {
  vendorId: string;
  /** Principals to act as: the vendor admin, and each scenario's customer. */
  vendorKeyId: string;
  scenarios: Array<{ scenario: SeedScenario; contractId: string; customerId: string; customerKeyId: string }>;
}

export const DEMO_STEP = 'ol:demo-step';
/**
 * Marks a provider that adds to the demo data (`run(ctx)`); steps run once, in `order`, on the
 * first `npm start`. Each domain contributes its own step from its own folder.
 */
export const DemoStep = (order: number) => SetMetadata(DEMO_STEP, order);

export interface DemoStepRunner {
  run(ctx: DemoContext): Promise<void>;
}
