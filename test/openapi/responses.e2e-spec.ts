import { issueKey } from '../support/fixtures';
import { createTestApp, type KeyedClient, type TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

/**
 * The document is a contract: the README's journey, answered for real, must match the schemas of
 * /openapi.json (the harness's `validateResponses` checks every answer's status, media type and
 * body, and refuses fields the document does not name). Other suites switch the same hook on.
 */
describe('the OpenAPI document holds the answers of a whole billing journey', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  const UNKNOWN = '01a23575-0000-7000-8000-000000000000';

  beforeAll(async () => {
    t = await createTestApp({ validateResponses: true });
    vendor = t.as((await t.createVendor()).adminKey);
  });
  afterAll(() => t.close());

  it('documents every answer from a new contract to a paid invoice, and the problems on the way', async () => {
    const customer = await vendor.post('/v1/customers', { name: 'Shenzhen Precision Parts' }).expect(201);
    const created = await vendor
      .post('/v1/contracts', {
        customerId: customer.body.id,
        name: 'Inspection',
        currency: 'CNY',
        taxRate: '0.06',
        startsOn: '2026-03-01',
        status: 'active',
        terms: {
          components: [
            { type: 'flat_fee', amount: '50000.00', per: 'month', quantity: '2', unit: 'production line' },
            { type: 'per_outcome', unitPrice: '15', outcomeType: 'report', verification: 'customer' },
            { type: 'usage', metric: 'query', unitPrice: '0.20', verification: 'auto' },
          ],
        },
      })
      .expect(201);
    const contractId = created.body.id as string;
    await vendor.get(`/v1/contracts/${contractId}`).expect(200);
    await vendor.get('/v1/contracts?limit=1').expect(200);
    await vendor.get(`/v1/contracts/${contractId}/terms`).expect(200);

    const one = { externalId: 'q-1', type: 'query', quantity: '1000', occurredAt: '2026-03-05T10:00:00+08:00' };
    await vendor.post(`/v1/contracts/${contractId}/outcomes`, one).expect(201);
    const replay = await vendor.post(`/v1/contracts/${contractId}/outcomes`, one).expect(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const batch = await vendor
      .post('/v1/outcomes/batch', {
        outcomes: [
          { contractId, externalId: 'r-1', type: 'report', occurredAt: '2026-03-06T10:00:00+08:00' },
          { contractId, externalId: 'r-2', type: 'report', quantity: '-1', occurredAt: '2026-03-06T10:00:00+08:00' },
        ],
      })
      .expect(200);
    expect(batch.body).toMatchObject({ created: 1, errors: 1 });
    const report = batch.body.results.find((r: { outcome?: { id: string } }) => r.outcome)?.outcome.id as string;
    const customerKey = t.as(await issueKey(vendor, { role: 'customer', customerId: customer.body.id }));
    await customerKey.post(`/v1/outcomes/${report}/verify`, {}).expect(200);
    await vendor.get(`/v1/outcomes?contractId=${contractId}`).expect(200);
    await vendor.get(`/v1/outcomes/${report}`).expect(200);
    await vendor.get(`/v1/contracts/${contractId}/outcome-stats?period=2026-03`).expect(200);

    const run = await runBilling(vendor, { period: '2026-03', contractIds: [contractId] }, { 'Idempotency-Key': 'run-2026-03' });
    await vendor.get(`/v1/billing-runs/${run.body.id}`).expect(200);
    const invoiceId = run.body.results[0].invoiceId as string;
    await vendor.get('/v1/invoices').expect(200);
    await vendor.get(`/v1/invoices/${invoiceId}`).expect(200);
    const finalized = await vendor.post(`/v1/invoices/${invoiceId}/finalize`).expect(200);
    expect(finalized.body.total).toBe('106227.90') // (2 × 50000 + 15 + 1000 × 0.20) × 1.06;
    await vendor.get(`/v1/invoices/${invoiceId}/verify`).expect(200);
    await vendor.post(`/v1/invoices/${invoiceId}/payments`, { amount: '1000.00', paidOn: '2026-04-10', reference: 'bank-1' }).expect(201);
    await vendor.get(`/v1/invoices/${invoiceId}/payments`).expect(200);
    await vendor.get(`/v1/invoices/${invoiceId}`).set('Accept', 'application/pdf').expect(200);
    await vendor.get('/v1/invoices.csv?period=2026-03').expect(200);
    await vendor.get(`/v1/contracts/${contractId}/statements/2026-03`).expect(200);
    await vendor.get('/v1/ledger/entries').expect(200);
    await t.http().get('/health').expect(200);

    // Problems: each a documented status with the Problem schema.
    const invalid = await vendor.post('/v1/contracts', { customerId: customer.body.id, name: 'x', currency: 'CNY', taxRate: '2', startsOn: '2026-03-01', terms: { components: [] } }).expect(422);
    expect(invalid.headers['content-type']).toMatch(/^application\/problem\+json/);
    await vendor.get(`/v1/contracts/${UNKNOWN}`).expect(404);
    await vendor.get(`/v1/invoices/${UNKNOWN}`).expect(404);
    await vendor.post(`/v1/contracts/${contractId}/terminate`, { endsOn: '2026-12-31' }).expect(200);
    await vendor.post(`/v1/contracts/${contractId}/activate`).expect(409);
    await t.http().get('/v1/contracts').expect(401);

    const seen = [...t.openapi!.seen];
    for (const op of [
      'POST /v1/contracts 201', 'GET /v1/contracts/{id} 200', 'GET /v1/contracts 200', 'POST /v1/contracts/{id}/outcomes 201',
      'POST /v1/contracts/{id}/outcomes 200', 'POST /v1/outcomes/batch 200', 'POST /v1/billing-runs 202', 'GET /v1/invoices/{id} 200',
      'GET /v1/invoices 200', 'POST /v1/invoices/{id}/finalize 200', 'POST /v1/contracts 422', 'GET /v1/contracts/{id} 404',
      'GET /v1/invoices.csv 200', 'GET /health 200',
    ])
      expect(seen).toContain(op);
  });

  it('fails an answer that carries a field the document does not name', () => {
    const fake = {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      text: '{}',
      body: { status: 'ok', info: {}, error: {}, details: {}, surprise: 1 },
      req: { method: 'GET', path: '/health' },
    };
    expect(() => t.openapi!.check(fake as never)).toThrow(/surprise/);
    expect(() => t.openapi!.check({ ...fake, status: 418 } as never)).toThrow(/status not documented/);
  });
});
