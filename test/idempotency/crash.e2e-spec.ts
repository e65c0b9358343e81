import type { ChildProcess } from 'node:child_process';
import { exited, freePort, startServer } from '../outcomes/server-process';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

/**
 * The real service in its own process, SIGKILLed by its test hook after an idempotent request's
 * transaction committed and before the answer left (OL_TEST_CRASH_AFTER_COMMIT, honoured only with
 * NODE_ENV=test). The client never saw an answer; its retry with the same key, served by a fresh
 * instance on the same database, gets the stored answer — and the effect exists exactly once.
 */
describe('an idempotent request killed between its commit and its answer', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let adminKey: string;
  let vendorId: string;
  let contractId: string;
  let invoiceId: string;
  let server: ChildProcess | null = null;

  beforeAll(async () => {
    t = await createTestApp();
    const v = await t.createVendor('Crash Vendor');
    ({ adminKey, vendorId } = v);
    vendor = t.as(adminKey);
    const customer = await vendor.post('/v1/customers', { name: 'Harbour Logistics' }).expect(201);
    const contract = await vendor
      .post('/v1/contracts', {
        customerId: customer.body.id, name: 'Routing', currency: 'USD', timezone: 'UTC', taxRate: '0', startsOn: '2026-03-01', status: 'active',
        terms: { components: [{ type: 'usage', metric: 'query', unitPrice: '0.20', verification: 'auto' }] },
      })
      .expect(201);
    contractId = contract.body.id;
    await vendor.post(`/v1/contracts/${contractId}/outcomes`, { externalId: 'q-1', type: 'query', quantity: '1000', occurredAt: '2026-03-10T00:00:00Z' }).expect(201);
    await runBilling(vendor, { period: '2026-03', contractIds: [contractId] });
    const draft = (await vendor.get(`/v1/invoices?contractId=${contractId}`).expect(200)).body.data[0];
    invoiceId = (await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200)).body.id;
  });
  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await exited(server);
    }
    await t.close();
  });

  const count = async (sql: string, params: unknown[] = []) => Number((await t.db.query(sql, params))[0].n);
  const recordOf = (key: string) => t.db.query(`SELECT status_code, secret_withheld FROM idempotency_keys WHERE vendor_id = $1 AND key = $2`, [vendorId, key]);

  /** Starts the service with a crash hook, sends the keyed request, and waits for the process to die. */
  async function crashOn(hook: 'OL_TEST_CRASH_AFTER_COMMIT' | 'OL_TEST_CRASH_BEFORE_COMMIT', path: string, body: unknown, key: string) {
    const port = await freePort();
    server = await startServer({ DATABASE_URL: t.databaseUrl, PORT: String(port), NODE_ENV: 'test', RATE_LIMIT_PER_MINUTE: '0', WEBHOOKS_DISPATCH: 'false', [hook]: '1' });
    const sent = fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });
    await expect(sent).rejects.toThrow(); // the connection died: no answer was sent
    await exited(server);
    expect(server.signalCode).toBe('SIGKILL');
  }

  /** Crash after commit, then retry with the same key: the stored answer, the effect once. */
  async function exactlyOnce(path: string, body: unknown, key: string, countEffect: () => Promise<number>, replayStatus: number) {
    const before = await countEffect();
    await crashOn('OL_TEST_CRASH_AFTER_COMMIT', path, body, key);
    expect(await countEffect()).toBe(before + 1); // committed before the kill
    const retry = await vendor.post(path, body, { 'Idempotency-Key': key }).expect(replayStatus);
    if (replayStatus < 300) expect(retry.headers['idempotent-replayed']).toBe('true');
    else expect(retry.body.code).toBe('IDEMPOTENT_SECRET_NOT_REPLAYABLE');
    expect(await countEffect()).toBe(before + 1);
    return retry;
  }

  it('records a payment without a bank reference once, with one journal entry', async () => {
    const journal = () => count(`SELECT count(*)::int AS n FROM journal_entries WHERE vendor_id = $1`, [vendorId]);
    const entriesBefore = await journal();
    const retry = await exactlyOnce(`/v1/invoices/${invoiceId}/payments`, { amount: '10.00', paidOn: '2026-04-02' }, 'crash-payment',
      () => count(`SELECT count(*)::int AS n FROM payments WHERE invoice_id = $1`, [invoiceId]), 201);
    expect(retry.body.amount).toBe('10.00');
    expect(await journal()).toBe(entriesBefore + 1);
  });

  it('issues a credit note once', async () => {
    await exactlyOnce(`/v1/invoices/${invoiceId}/credit-notes`, { reason: 'goodwill', lines: [{ key: 'query', amount: '1.00' }] }, 'crash-credit',
      () => count(`SELECT count(*)::int AS n FROM credit_notes WHERE invoice_id = $1`, [invoiceId]), 201);
  });

  it('issues an API key once, and refuses to replay its secret', async () => {
    await exactlyOnce('/v1/api-keys', { name: 'crash auditor', role: 'auditor' }, 'crash-key',
      () => count(`SELECT count(*)::int AS n FROM api_keys WHERE vendor_id = $1 AND name = 'crash auditor'`, [vendorId]), 409);
    expect(await recordOf('crash-key')).toEqual([{ status_code: 201, secret_withheld: true }]);
  });

  it('runs a billing run once', async () => {
    await exactlyOnce('/v1/billing-runs', { period: '2026-04', contractIds: [contractId] }, 'crash-run',
      () => count(`SELECT count(*)::int AS n FROM billing_runs WHERE vendor_id = $1 AND period_label = '2026-04'`, [vendorId]), 202);
  });

  it('records an outcome once, answering the retry with the first 201', async () => {
    await exactlyOnce(`/v1/contracts/${contractId}/outcomes`, { externalId: 'crash-o', type: 'query', quantity: '5', occurredAt: '2026-04-03T00:00:00Z' }, 'crash-outcome',
      () => count(`SELECT count(*)::int AS n FROM outcomes WHERE vendor_id = $1 AND external_id = 'crash-o'`, [vendorId]), 201);
  });

  it('creates a customer once', async () => {
    await exactlyOnce('/v1/customers', { name: 'Crash Customer' }, 'crash-customer',
      () => count(`SELECT count(*)::int AS n FROM customers WHERE vendor_id = $1 AND name = 'Crash Customer'`, [vendorId]), 201);
  });

  it('leaves no trace of a request killed before its commit: the retry runs, once', async () => {
    const customers = () => count(`SELECT count(*)::int AS n FROM customers WHERE vendor_id = $1 AND name = 'Lost Customer'`, [vendorId]);
    await crashOn('OL_TEST_CRASH_BEFORE_COMMIT', '/v1/customers', { name: 'Lost Customer' }, 'crash-lost');
    expect(await customers()).toBe(0);
    expect(await recordOf('crash-lost')).toEqual([]);
    const retry = await vendor.post('/v1/customers', { name: 'Lost Customer' }, { 'Idempotency-Key': 'crash-lost' }).expect(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await customers()).toBe(1);
  });

  it('ignores the crash hook in a production process', async () => {
    const port = await freePort();
    server = await startServer({ DATABASE_URL: t.databaseUrl, PORT: String(port), NODE_ENV: 'production', RATE_LIMIT_PER_MINUTE: '0', WEBHOOKS_DISPATCH: 'false', OL_TEST_CRASH_AFTER_COMMIT: '1' });
    const res = await fetch(`http://127.0.0.1:${port}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', 'idempotency-key': 'prod-1' },
      body: JSON.stringify({ name: 'Production Customer' }),
    });
    expect(res.status).toBe(201);
    expect(server.exitCode).toBeNull();
    server.kill('SIGTERM');
    await exited(server);
  });
});
