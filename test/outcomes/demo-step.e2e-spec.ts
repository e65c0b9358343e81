import { ApiKeysService } from '../../src/auth/api-keys.service';
import { ContractsService } from '../../src/contracts/contracts.service';
import type { DemoContext } from '../../src/demo/demo-step';
import { loadSeedScenarios, outcomesOfScenario, termsOfScenario } from '../../src/demo/seed-scenarios';
import { OutcomesDemoStep } from '../../src/demo/steps/outcomes.demo-step';
import { CustomersService } from '../../src/parties/customers.service';
import { createTestApp, TestApp } from '../support/test-app';

/** The demo data of `npm start`: every scenario's outcomes in the state the scenario lists. */
describe('outcomes in the demo data', () => {
  let t: TestApp;
  afterAll(() => t.close());

  it('records every scenario’s outcomes and leaves them verified, rejected or pending as listed, radiology included, in seconds', async () => {
    t = await createTestApp();
    const vendor = await t.createVendor('Demo vendor');
    const [key] = await t.db.query(`SELECT id FROM api_keys WHERE vendor_id = $1`, [vendor.vendorId]);
    const ctx: DemoContext = { vendorId: vendor.vendorId, vendorKeyId: key.id, scenarios: [] };
    const scenarios = loadSeedScenarios();
    for (const scenario of scenarios) {
      const customer = await t.app.get(CustomersService).create(vendor.vendorId, { name: `Customer of ${scenario.id}` });
      const contract = await t.app.get(ContractsService).create(vendor.vendorId, {
        customerId: customer.id, name: scenario.id, currency: scenario.contract.currency, timezone: scenario.contract.timezone,
        taxRate: scenario.contract.taxRate, startsOn: scenario.contract.startsOn, billingCycle: scenario.contract.billingCycle,
        status: 'active', terms: termsOfScenario(scenario),
      });
      const k = await t.app.get(ApiKeysService).issue(vendor.vendorId, { name: 'c', role: 'customer', customerId: customer.id });
      ctx.scenarios.push({ scenario, contractId: contract.id, customerId: customer.id, customerKeyId: k.id });
    }

    const started = Date.now();
    await t.app.get(OutcomesDemoStep).run(ctx);
    expect(Date.now() - started).toBeLessThan(30_000);

    for (const s of ctx.scenarios) {
      const rows: Array<{ external_id: string; status: string }> = await t.db.query(
        `SELECT external_id, status FROM outcomes WHERE vendor_id = $1 AND contract_id = $2`,
        [vendor.vendorId, s.contractId],
      );
      const stored = new Map(rows.map((r) => [r.external_id, r.status]));
      const listed = outcomesOfScenario(s.scenario);
      expect(stored.size).toBe(listed.length);
      for (const o of listed) expect([s.scenario.id, o.externalId, stored.get(o.externalId)]).toEqual([s.scenario.id, o.externalId, o.status ?? 'verified']);
    }
    // A new user sees verified, rejected and pending claims at once.
    const [mix] = await t.db.query(
      `SELECT count(*) FILTER (WHERE status = 'verified')::int AS verified, count(*) FILTER (WHERE status = 'rejected')::int AS rejected,
              count(*) FILTER (WHERE status = 'recorded')::int AS pending FROM outcomes WHERE vendor_id = $1`,
      [vendor.vendorId],
    );
    expect(mix.verified).toBeGreaterThan(7800);
    expect(mix.rejected).toBeGreaterThanOrEqual(2201);
    expect(mix.pending).toBeGreaterThanOrEqual(1);
  });
});
