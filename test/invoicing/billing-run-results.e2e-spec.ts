import { awaitRun, runBilling } from '../support/billing';
import { customerWithContract } from '../support/fixtures';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * A billing run answers, for each contract it considered, what it did: the draft invoice it
 * refreshed, or why it skipped the contract — and reads the same afterwards and on replay.
 */
describe('billing runs say what they did with each contract', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ validateResponses: true }); // every answer held to /openapi.json
  });
  afterAll(() => t.close());

  const resultOf = (body: any, contractId: string) => body.results.find((r: any) => r.contractId === contractId);

  it('reports drafted with the invoice id, and every reason a named contract is skipped', async () => {
    const v = await t.createVendor('Results Vendor');
    const admin = t.as(v.adminKey);
    const drafted = await customerWithContract(admin);
    const notActive = await customerWithContract(admin, { status: 'draft' });
    const notStarted = await customerWithContract(admin, { startsOn: '2026-05-01' });
    const ended = await customerWithContract(admin, { startsOn: '2026-01-01', endsOn: '2026-02-28' });
    const annual = await customerWithContract(admin, { billingCycle: 'annual', startsOn: '2026-01-01' });
    const refused = await customerWithContract(admin);
    // Terms the engine refuses (a version written around the API's validation, as a legacy row would be).
    await t.db.query(
      `INSERT INTO terms_versions (vendor_id, contract_id, version, effective_from, document, document_sha256)
       VALUES ($1, $2, 2, '2026-03-15', '{"components": [{"type": "usage", "metric": "query", "unitPrice": "-1", "per": "1", "verification": "auto"}]}', repeat('0', 64))`,
      [v.vendorId, refused.contractId],
    );
    // A contract with no terms version at all.
    const [noTerms] = await t.db.query(
      `INSERT INTO contracts (vendor_id, customer_id, name, currency, timezone, tax_rate, starts_on, billing_cycle, status)
       VALUES ($1, $2, 'no terms', 'CNY', 'Asia/Shanghai', 0.06, '2026-03-01', 'monthly', 'active') RETURNING id`,
      [v.vendorId, drafted.customerId],
    );
    const named = [drafted, notActive, notStarted, ended, annual, refused].map((c) => c.contractId).concat(noTerms.id);

    const run = await runBilling(admin, { period: '2026-03', contractIds: named });
    expect(run.body.results).toHaveLength(7);
    const invoices = await admin.get('/v1/invoices?period=2026-03').expect(200);
    const draftInvoice = invoices.body.data.find((i: any) => i.contractId === drafted.contractId);
    expect(resultOf(run.body, drafted.contractId)).toEqual({
      contractId: drafted.contractId,
      result: 'drafted',
      invoiceId: draftInvoice.id,
      total: draftInvoice.total,
      reasonCode: null,
      reason: null,
      termsCode: null,
      finalized: false,
      finalizeCode: null,
    });
    expect(resultOf(run.body, notActive.contractId)).toMatchObject({ result: 'skipped', invoiceId: null, reasonCode: 'CONTRACT_NOT_ACTIVE' });
    expect(resultOf(run.body, notStarted.contractId)).toMatchObject({ result: 'skipped', invoiceId: null, reasonCode: 'CONTRACT_NOT_STARTED' });
    expect(resultOf(run.body, ended.contractId)).toMatchObject({ result: 'skipped', invoiceId: null, reasonCode: 'CONTRACT_ENDED' });
    expect(resultOf(run.body, annual.contractId)).toMatchObject({ result: 'skipped', reasonCode: 'BILLING_CYCLE_MISMATCH' });
    const refusedInvoice = invoices.body.data.find((i: any) => i.contractId === refused.contractId);
    expect(resultOf(run.body, refused.contractId)).toMatchObject({
      result: 'skipped',
      invoiceId: refusedInvoice.id,
      reasonCode: 'TERMS_REFUSED',
      termsCode: 'TERMS_INVALID',
      reason: expect.stringContaining('unitPrice'),
    });
    expect(resultOf(run.body, noTerms.id)).toMatchObject({ result: 'skipped', invoiceId: null, reasonCode: 'NO_TERMS_IN_FORCE' });
    for (const r of run.body.results) if (r.result === 'skipped') expect(r.reason).toEqual(expect.any(String));
    expect(run.body).toMatchObject({ contracts: 3, drafted: 1, refused: 1, failed: 1 });

    // Read back as written, one row per contract.
    const read = await admin.get(`/v1/billing-runs/${run.body.id}`).expect(200);
    expect(read.body.results).toEqual(run.body.results);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM billing_run_contracts WHERE billing_run_id = $1`, [run.body.id]);
    expect(n).toBe(7);

    // The same rows a page at a time (a run of 100,000 contracts is not one answer), and by result.
    const paged: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: any = await admin.get(`/v1/billing-runs/${run.body.id}/results?limit=3${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
      expect(res.body.data.length).toBeLessThanOrEqual(3);
      paged.push(...res.body.data);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(paged).toEqual([...run.body.results].sort((a, b) => (a.contractId < b.contractId ? -1 : 1)));
    const skipped = (await admin.get(`/v1/billing-runs/${run.body.id}/results?result=skipped`).expect(200)).body;
    expect(skipped.data.map((r: any) => r.contractId).sort()).toEqual(run.body.results.filter((r: any) => r.result === 'skipped').map((r: any) => r.contractId).sort());
    expect(skipped.data).toHaveLength(6);
    expect(skipped.nextCursor).toBeNull();
    const other = t.as((await t.createVendor('Foreign Results Vendor')).adminKey);
    await other.get(`/v1/billing-runs/${run.body.id}/results`).expect(404);
    expect((await admin.get(`/v1/billing-runs/${run.body.id}/results?result=maybe`).expect(422)).body.errors.map((e: any) => e.field)).toContain('result');
  });

  it('skips a finalized invoice with its id, and lists a vendor-wide run\'s unbillable contracts of the cycle', async () => {
    const v = await t.createVendor('Finalized Vendor');
    const admin = t.as(v.adminKey);
    const c = await customerWithContract(admin);
    const notActive = await customerWithContract(admin, { status: 'draft' });
    const first = await runBilling(admin, { period: '2026-03' });
    const invoiceId = resultOf(first.body, c.contractId).invoiceId;
    expect(resultOf(first.body, notActive.contractId)).toMatchObject({ result: 'skipped', reasonCode: 'CONTRACT_NOT_ACTIVE' });
    await admin.post(`/v1/invoices/${invoiceId}/finalize`).expect(200);

    const again = await runBilling(admin, { period: '2026-03' });
    expect(resultOf(again.body, c.contractId)).toMatchObject({ result: 'skipped', invoiceId, reasonCode: 'INVOICE_ALREADY_FINALIZED' });
    expect(again.body).toMatchObject({ alreadyFinalized: 1, drafted: 0 });
  });

  it('carries the first 100 results in the run and a cursor to the rest', async () => {
    const v = await t.createVendor('Large Run Vendor');
    const admin = t.as(v.adminKey);
    const c = await customerWithContract(admin);
    // 102 more contracts not yet active (skipped, but each with its result row), written directly: 103 in all.
    await t.db.query(
      `INSERT INTO contracts (vendor_id, customer_id, name, currency, timezone, tax_rate, starts_on, billing_cycle, status)
       SELECT $1, $2, 'pending ' || i, 'CNY', 'Asia/Shanghai', 0.06, '2026-03-01', 'monthly', 'draft' FROM generate_series(1, 102) i`,
      [v.vendorId, c.customerId],
    );
    const run = await runBilling(admin, { period: '2026-03' });
    expect(run.body.results).toHaveLength(100);
    expect(run.body.resultsNextCursor).toEqual(expect.any(String));
    const rest = (await admin.get(`/v1/billing-runs/${run.body.id}/results?cursor=${run.body.resultsNextCursor}`).expect(200)).body;
    expect(rest.data).toHaveLength(3);
    expect(rest.nextCursor).toBeNull();
    const all = [...run.body.results, ...rest.data].map((r: any) => r.contractId);
    expect(new Set(all).size).toBe(103);
    expect(all).toEqual([...all].sort());
    expect(all).toContain(c.contractId);

    // A run that fits says so.
    const small = await runBilling(admin, { period: '2026-03', contractIds: [c.contractId] });
    expect(small.body).toMatchObject({ resultsNextCursor: null, results: [expect.objectContaining({ contractId: c.contractId, result: 'drafted' })] });
  });

  it('lists the vendor\'s runs newest first, by period and status, a page at a time', async () => {
    const v = await t.createVendor('Run List Vendor');
    const admin = t.as(v.adminKey);
    await customerWithContract(admin);
    const march1 = (await runBilling(admin, { period: '2026-03' })).body;
    const april = (await runBilling(admin, { period: '2026-04' })).body;
    const march2 = (await runBilling(admin, { period: '2026-03' })).body;

    const all = (await admin.get('/v1/billing-runs').expect(200)).body;
    expect(all.data.map((r: any) => r.id)).toEqual([march2.id, april.id, march1.id]);
    expect(all.nextCursor).toBeNull();
    const { results: _r, resultsNextCursor: _c, ...summary } = march2;
    expect(all.data[0]).toEqual(summary);
    expect(all.data[0]).not.toHaveProperty('results');

    const march = (await admin.get('/v1/billing-runs?period=2026-03').expect(200)).body;
    expect(march.data.map((r: any) => r.id)).toEqual([march2.id, march1.id]);
    expect((await admin.get('/v1/billing-runs?status=queued').expect(200)).body.data).toEqual([]);
    expect((await admin.get('/v1/billing-runs?status=completed').expect(200)).body.data).toHaveLength(3);

    const first = (await admin.get('/v1/billing-runs?limit=2').expect(200)).body;
    expect(first.data.map((r: any) => r.id)).toEqual([march2.id, april.id]);
    const second = (await admin.get(`/v1/billing-runs?limit=2&cursor=${first.nextCursor}`).expect(200)).body;
    expect(second).toEqual({ data: [expect.objectContaining({ id: march1.id })], nextCursor: null });

    // Another vendor's list holds none of them; bad filters are refused, naming the field.
    const other = t.as((await t.createVendor('Foreign Run List Vendor')).adminKey);
    expect((await other.get('/v1/billing-runs').expect(200)).body.data).toEqual([]);
    const bad = await admin.get('/v1/billing-runs?status=done&period=March').expect(422);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(bad.body.errors.map((e: any) => e.field).sort()).toEqual(['period', 'status']);
  });

  it('answers a replayed run (same Idempotency-Key) with the same results, running it once', async () => {
    const v = await t.createVendor('Replay Vendor');
    const admin = t.as(v.adminKey);
    const c = await customerWithContract(admin);
    const notStarted = await customerWithContract(admin, { startsOn: '2026-06-01' });
    const body = { period: '2026-03', contractIds: [c.contractId, notStarted.contractId] };
    const first = await admin.post('/v1/billing-runs', body, { 'Idempotency-Key': 'run-2026-03' }).expect(202);
    const done = await awaitRun(admin, first.body.id);
    const replay = await admin.post('/v1/billing-runs', body, { 'Idempotency-Key': 'run-2026-03' }).expect(202);
    expect(replay.body).toEqual(first.body);
    expect(done.body.results.map((r: any) => r.result).sort()).toEqual(['drafted', 'skipped']);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM billing_runs WHERE vendor_id = $1`, [v.vendorId]);
    expect(n).toBe(1);
  });

  it('keeps the per-contract rows append-only and scoped to the vendor', async () => {
    const a = await t.createVendor('Scoped A');
    const b = await t.createVendor('Scoped B');
    const admin = t.as(a.adminKey);
    await customerWithContract(admin);
    const run = await runBilling(admin, { period: '2026-03' });
    await t.as(b.adminKey).get(`/v1/billing-runs/${run.body.id}`).expect(404);
    await expect(t.appDb.query(`UPDATE billing_run_contracts SET reason = 'x' WHERE billing_run_id = $1`, [run.body.id])).rejects.toThrow();
    await expect(t.db.query(`DELETE FROM billing_run_contracts WHERE billing_run_id = $1`, [run.body.id])).rejects.toThrow(/refused/);
  });
});
