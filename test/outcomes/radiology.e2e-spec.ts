import { loadSeedScenarios, outcomesOfScenario, termsOfScenario } from '../../src/demo/seed-scenarios';
import { issueKey } from '../support/fixtures';
import { createTestApp, TestApp } from '../support/test-app';

// The radiology copilot of the seed scenarios: 10,000 reports through the batch API, 78% accepted.
describe('radiology scenario through the batch API', () => {
  let t: TestApp;
  afterAll(() => t.close());

  it('records 10,000 reports in batches, the customer accepts 7,800 and rejects 2,200 in bulk, and the stats give 0.78', async () => {
    t = await createTestApp();
    const vendor = t.as((await t.createVendor()).adminKey);
    const scenario = loadSeedScenarios().find((s) => s.id === 'radiology')!;
    const customer = await vendor.post('/v1/customers', { name: 'Ruijin Radiology Network' }).expect(201);
    const contract = await vendor
      .post('/v1/contracts', {
        customerId: customer.body.id,
        name: scenario.source,
        currency: scenario.contract.currency,
        timezone: scenario.contract.timezone,
        taxRate: scenario.contract.taxRate,
        startsOn: scenario.contract.startsOn,
        status: 'active',
        terms: termsOfScenario(scenario),
      })
      .expect(201);
    const contractId = contract.body.id;
    const reports = outcomesOfScenario(scenario);
    expect(reports).toHaveLength(10_000);

    const started = Date.now();
    const idByExternal = new Map<string, string>();
    for (let i = 0; i < reports.length; i += 1000) {
      const outcomes = reports.slice(i, i + 1000).map(({ status: _s, ...o }) => ({ ...o, contractId }));
      const res = await vendor.post('/v1/outcomes/batch', { outcomes }).expect(200);
      expect(res.body).toMatchObject({ created: 1000, duplicates: 0, errors: 0 });
      for (const r of res.body.results) idByExternal.set(r.outcome.externalId, r.outcome.id);
    }
    const recordedIn = Date.now() - started;

    const customerKey = t.as(await issueKey(vendor, { role: 'customer', customerId: customer.body.id }));
    const accepted = reports.filter((r) => r.status === 'verified').map((r) => idByExternal.get(r.externalId)!);
    const refused = reports.filter((r) => r.status === 'rejected').map((r) => idByExternal.get(r.externalId)!);
    expect([accepted.length, refused.length]).toEqual([7800, 2200]);

    const bulkStarted = Date.now();
    const verified = await customerKey.post('/v1/outcomes/verify', { ids: accepted }).expect(200);
    expect(verified.body).toEqual({ verified: 7800, failed: [] });
    const rejected = await customerKey.post('/v1/outcomes/reject', { ids: refused, reason: 'Finding not confirmed by the radiologist' }).expect(200);
    expect(rejected.body).toEqual({ rejected: 2200, failed: [] });
    const bulkIn = Date.now() - bulkStarted;

    const stats = await vendor.get(`/v1/contracts/${contractId}/outcome-stats?period=2026-03`).expect(200);
    expect(stats.body).toMatchObject({
      count: 10_000,
      byStatus: { recorded: 0, verified: 7800, rejected: 2200, disputed: 0, reversed: 0 },
      acceptanceRate: '0.78',
    });
    expect(stats.body.byType).toEqual([
      expect.objectContaining({ type: 'report', count: 10_000, quantitySum: '10000', verifiedQuantitySum: '7800' }),
    ]);
    // The customer reads the same figures for its own contract.
    const seenByCustomer = await customerKey.get(`/v1/contracts/${contractId}/outcome-stats?period=2026-03`).expect(200);
    expect(seenByCustomer.body.acceptanceRate).toBe('0.78');

    // Every transition is an event: recorded for all 10,000, then one decision each.
    const [events] = await t.db.query(
      `SELECT count(*) FILTER (WHERE to_status = 'recorded')::int AS recorded, count(*) FILTER (WHERE to_status = 'verified')::int AS verified,
              count(*) FILTER (WHERE to_status = 'rejected')::int AS rejected FROM outcome_events`,
    );
    expect(events).toEqual({ recorded: 10_000, verified: 7800, rejected: 2200 });
    expect(recordedIn).toBeLessThan(30_000);
    expect(bulkIn).toBeLessThan(10_000);
    process.stdout.write(`radiology: 10,000 recorded in ${recordedIn} ms, 10,000 decided in bulk in ${bulkIn} ms\n`);
  });
});
