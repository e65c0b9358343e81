import { BillingRunsRepository } from '../../src/invoicing/billing-runs.repository';
import { BillingRunsService } from '../../src/invoicing/billing-runs.service';
import { awaitRun } from '../support/billing';
import { customerWithContract, GUARANTEE_WITHOUT_KPI_TERMS } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';

/** A contract billed 0.20 per query with `quantity` queries in March 2026. */
async function meteredContract(vendor: KeyedClient, quantity: string): Promise<string> {
  const { contractId } = await customerWithContract(vendor);
  await vendor.post(`/v1/contracts/${contractId}/outcomes`, { externalId: 'q', type: 'query', quantity, occurredAt: '2026-03-15T10:00:00+08:00' }).expect(201);
  return contractId;
}

/**
 * A billing run is a background job: the request answers 202 with the queued run, its progress and
 * per-contract results are readable while it works, and its completion is announced once.
 */
describe('billing runs work in the background', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Small chunks and a slowed worker, so that a run is seen part-way.
    t = await createTestApp({ validateResponses: true, env: { BILLING_CHUNK_SIZE: '2', BILLING_TEST_DELAY_MS: '60' } });
  });
  afterAll(() => t.close());

  it('answers 202 with the queued run, shows its progress while it works, and completes with every contract once', async () => {
    const v = await t.createVendor('Background Vendor');
    const admin = t.as(v.adminKey);
    const contracts: string[] = [];
    for (let i = 0; i < 8; i++) contracts.push(await meteredContract(admin, String(100 + i)));
    const notActive = await customerWithContract(admin, { status: 'draft' });

    const queued = await admin.post('/v1/billing-runs', { period: '2026-03' }).expect(202);
    expect(queued.body).toMatchObject({ period: '2026-03', status: 'queued', contracts: 8, processed: 0, drafted: 0, failed: 0, finalizeWhenDrafted: false, finishedAt: null });
    // Skipped before pricing: known at once.
    expect(queued.body.results).toEqual([expect.objectContaining({ contractId: notActive.contractId, result: 'skipped', reasonCode: 'CONTRACT_NOT_ACTIVE' })]);

    // Part-way: some contracts have their result, the run is running, the counts are those so far.
    const seen: Array<{ status: string; processed: number; drafted: number; results: number }> = [];
    for (;;) {
      const r = (await admin.get(`/v1/billing-runs/${queued.body.id}`).expect(200)).body;
      seen.push({ status: r.status, processed: r.processed, drafted: r.drafted, results: r.results.length });
      if (r.status === 'completed') break;
      await new Promise((res) => setTimeout(res, 40));
    }
    const partway = seen.find((s) => s.status === 'running' && s.processed > 0 && s.processed < 8);
    expect(partway).toBeDefined();
    expect(partway!.drafted).toBe(partway!.processed);
    expect(partway!.results).toBe(partway!.processed + 1);
    for (let i = 1; i < seen.length; i++) expect(seen[i].processed).toBeGreaterThanOrEqual(seen[i - 1].processed);

    const done = (await admin.get(`/v1/billing-runs/${queued.body.id}`).expect(200)).body;
    expect(done).toMatchObject({ status: 'completed', contracts: 8, processed: 8, drafted: 8, refused: 0, alreadyFinalized: 0, failed: 0, errors: [] });
    expect(done.finishedAt).toEqual(expect.any(String));
    expect(done.results).toHaveLength(9);
    const invoices = (await admin.get('/v1/invoices?period=2026-03').expect(200)).body.data;
    expect(invoices).toHaveLength(8);
    for (const [i, id] of contracts.entries()) {
      const inv = invoices.find((x: any) => x.contractId === id);
      // (100 + i) queries × 0.20, plus 6% tax
      expect(inv.total).toBe(((100 + i) * 0.2 * 1.06).toFixed(2));
      expect(done.results.find((r: any) => r.contractId === id)).toMatchObject({ result: 'drafted', invoiceId: inv.id, total: inv.total, finalized: false });
    }
  });

  it('emits billing_run.completed once, with the final counts, through the outbox', async () => {
    const v = await t.createVendor('Webhook Vendor');
    const admin = t.as(v.adminKey);
    await meteredContract(admin, '10');
    await meteredContract(admin, '20');
    const queued = await admin.post('/v1/billing-runs', { period: '2026-03' }).expect(202);
    await awaitRun(admin, queued.body.id);
    const events = await t.db.query(`SELECT payload FROM webhook_events WHERE vendor_id = $1 AND type = 'billing_run.completed'`, [v.vendorId]);
    expect(events).toHaveLength(1);
    expect(events[0].payload).toMatchObject({ id: queued.body.id, period: '2026-03', status: 'completed', contracts: 2, drafted: 2, failed: 0 });
    // A second run of the period is a run of its own, with its own event.
    await awaitRun(admin, (await admin.post('/v1/billing-runs', { period: '2026-03' }).expect(202)).body.id);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM webhook_events WHERE vendor_id = $1 AND type = 'billing_run.completed'`, [v.vendorId]);
    expect(n).toBe(2);
  });

  it('completes at once a run with nothing billable, announcing it too', async () => {
    const v = await t.createVendor('Empty Vendor');
    const admin = t.as(v.adminKey);
    await customerWithContract(admin, { status: 'draft' });
    const res = await admin.post('/v1/billing-runs', { period: '2026-03' }).expect(202);
    expect(res.body).toMatchObject({ status: 'completed', contracts: 0, processed: 0 });
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM webhook_events WHERE vendor_id = $1 AND type = 'billing_run.completed'`, [v.vendorId]);
    expect(n).toBe(1);
  });

  it('hides a run from another vendor (404), while it runs and after', async () => {
    const a = await t.createVendor('Owner A');
    const b = await t.createVendor('Stranger B');
    const admin = t.as(a.adminKey);
    await meteredContract(admin, '5');
    await meteredContract(admin, '6');
    await meteredContract(admin, '7');
    const queued = await admin.post('/v1/billing-runs', { period: '2026-03' }).expect(202);
    await t.as(b.adminKey).get(`/v1/billing-runs/${queued.body.id}`).expect(404);
    await awaitRun(admin, queued.body.id);
    const foreign = await t.as(b.adminKey).get(`/v1/billing-runs/${queued.body.id}`).expect(404);
    expect(foreign.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('replays the 202 for the same Idempotency-Key and queues the run once', async () => {
    const v = await t.createVendor('Keyed Vendor');
    const admin = t.as(v.adminKey);
    await meteredContract(admin, '3');
    const first = await admin.post('/v1/billing-runs', { period: '2026-03' }, { 'Idempotency-Key': 'bg-run' }).expect(202);
    const replay = await admin.post('/v1/billing-runs', { period: '2026-03' }, { 'Idempotency-Key': 'bg-run' }).expect(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    await awaitRun(admin, first.body.id);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM billing_runs WHERE vendor_id = $1`, [v.vendorId]);
    expect(n).toBe(1);
  });

  it('finalizes each drafted invoice with finalizeWhenDrafted, and leaves a draft its terms refuse as a draft', async () => {
    const v = await t.createVendor('Finalizing Vendor');
    const admin = t.as(v.adminKey);
    const good = await meteredContract(admin, '50');
    // A guarantee without its KPI measurement: the engine refuses the period, the draft keeps the refusal.
    const { contractId: guaranteed } = await customerWithContract(admin, {
      terms: GUARANTEE_WITHOUT_KPI_TERMS,
    });
    const queued = await admin.post('/v1/billing-runs', { period: '2026-03', finalizeWhenDrafted: true }).expect(202);
    expect(queued.body.finalizeWhenDrafted).toBe(true);
    const done = (await awaitRun(admin, queued.body.id)).body;
    const goodResult = done.results.find((r: any) => r.contractId === good);
    expect(goodResult).toMatchObject({ result: 'drafted', finalized: true, finalizeCode: null });
    const inv = (await admin.get(`/v1/invoices/${goodResult.invoiceId}`).expect(200)).body;
    expect(inv).toMatchObject({ status: 'finalized', total: '10.60' });
    expect(inv.number).toEqual(expect.any(String));
    const refused = done.results.find((r: any) => r.contractId === guaranteed);
    expect(refused).toMatchObject({ result: 'skipped', reasonCode: 'TERMS_REFUSED', finalized: false, finalizeCode: null });
    expect((await admin.get(`/v1/invoices/${refused.invoiceId}`).expect(200)).body.status).toBe('draft');
    expect(done).toMatchObject({ status: 'completed', drafted: 1, refused: 1, failed: 0 });
  });

  it('refuses a malformed finalizeWhenDrafted, naming the field, and queues nothing', async () => {
    const v = await t.createVendor('Bad Input Vendor');
    const admin = t.as(v.adminKey);
    await meteredContract(admin, '1');
    const res = await admin.post('/v1/billing-runs', { period: '2026-03', finalizeWhenDrafted: 'yes' }).expect(422);
    expect(JSON.stringify(res.body)).toContain('finalizeWhenDrafted');
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM billing_runs WHERE vendor_id = $1`, [v.vendorId]);
    expect(n).toBe(0);
  });

  it('retries a chunk that failed on the database, and completes the run as if nothing happened', async () => {
    const v = await t.createVendor('Retried Vendor');
    const admin = t.as(v.adminKey);
    await meteredContract(admin, '4');
    const repo = t.app.get(BillingRunsRepository);
    const spy = jest.spyOn(repo, 'markRunning').mockRejectedValueOnce(new Error('connection reset'));
    try {
      const queued = await admin.post('/v1/billing-runs', { period: '2026-03' }).expect(202);
      const done = (await awaitRun(admin, queued.body.id)).body;
      expect(spy.mock.calls.length).toBeGreaterThanOrEqual(2);
      expect(done).toMatchObject({ status: 'completed', drafted: 1, failed: 0 });
    } finally {
      spy.mockRestore();
    }
  });

  it('fails the remaining contracts of a chunk whose last attempt failed, so that the run still completes', async () => {
    const v = await t.createVendor('Exhausted Vendor');
    const admin = t.as(v.adminKey);
    const a = await meteredContract(admin, '4');
    const b = await meteredContract(admin, '5');
    const repo = t.app.get(BillingRunsRepository);
    const spy = jest.spyOn(repo, 'markRunning').mockRejectedValue(new Error('connection reset'));
    try {
      const queued = await admin.post('/v1/billing-runs', { period: '2026-03', contractIds: [a, b] }).expect(202);
      // As the queue calls a job whose retries are spent.
      await t.app.get(BillingRunsService).workChunk({ vendorId: v.vendorId, runId: queued.body.id, contractIds: [a, b] }, { lastAttempt: true });
      const done = (await awaitRun(admin, queued.body.id)).body;
      expect(done).toMatchObject({ status: 'completed', contracts: 2, drafted: 0, failed: 2 });
      expect(done.results.map((r: any) => [r.result, r.reasonCode])).toEqual([['failed', 'INTERNAL_ERROR'], ['failed', 'INTERNAL_ERROR']]);
      expect(done.errors).toHaveLength(2);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM webhook_events WHERE vendor_id = $1 AND type = 'billing_run.completed'`, [v.vendorId]);
      expect(n).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });
});
