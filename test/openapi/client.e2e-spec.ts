import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOutcomeLedgerClient, type OutcomeLedgerClient } from '../../packages/client/src';
import { createTestApp, type TestApp } from '../support/test-app';

const ROOT = join(__dirname, '../..');
const COMMITTED_SCHEMA = join(ROOT, 'packages/client/src/schema.d.ts');

/** The typed client (packages/client) against the test app listening on a free port. */
describe('the typed client @outcome-ledger/client', () => {
  let t: TestApp;
  let base: string;
  let client: OutcomeLedgerClient;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    client = createOutcomeLedgerClient(base, (await t.createVendor()).adminKey);
  });
  afterAll(() => t.close());

  it('drives the README journey: contract → outcomes → billing run → finalize → invoice', async () => {
    const customer = await client.POST('/v1/customers', { body: { name: 'Acme Hospital Group' } });
    expect(customer.response.status).toBe(201);
    const contract = await client.POST('/v1/contracts', {
      body: {
        customerId: customer.data!.id,
        name: 'Chatbot queries',
        currency: 'CNY',
        taxRate: '0.06',
        startsOn: '2026-03-01',
        status: 'active',
        terms: { components: [{ type: 'usage', metric: 'query', unitPrice: '0.20', verification: 'auto' }] },
      },
    });
    expect(contract.error).toBeUndefined();
    const contractId = contract.data!.id;

    const one = await client.POST('/v1/contracts/{id}/outcomes', {
      params: { path: { id: contractId } },
      body: { externalId: 'q-1', type: 'query', quantity: '1000', occurredAt: '2026-03-05T10:00:00+08:00' },
    });
    expect(one.data).toMatchObject({ externalId: 'q-1', status: 'verified' });
    const batch = await client.POST('/v1/outcomes/batch', {
      body: { outcomes: [{ contractId, externalId: 'q-2', type: 'query', quantity: '500', occurredAt: '2026-03-06T10:00:00+08:00' }] },
    });
    expect(batch.data).toMatchObject({ created: 1, errors: 0 });

    const queued = await client.POST('/v1/billing-runs', {
      params: { header: { 'Idempotency-Key': 'run-2026-03' } },
      body: { period: '2026-03', contractIds: [contractId] },
    });
    expect(queued.response.status).toBe(202);
    // The run works in the background: follow it until it is completed.
    let run = await client.GET('/v1/billing-runs/{id}', { params: { path: { id: queued.data!.id } } });
    while (run.data?.status !== 'completed') {
      await new Promise((r) => setTimeout(r, 25));
      run = await client.GET('/v1/billing-runs/{id}', { params: { path: { id: queued.data!.id } } });
    }
    expect(run.data?.results[0]).toMatchObject({ contractId, result: 'drafted' });
    const invoiceId = run.data!.results[0].invoiceId!;

    const finalized = await client.POST('/v1/invoices/{id}/finalize', { params: { path: { id: invoiceId } } });
    expect(finalized.data).toMatchObject({ status: 'finalized', total: '318.00' }); // 1500 × 0.20 × 1.06
    const invoice = await client.GET('/v1/invoices/{id}', { params: { path: { id: invoiceId } } });
    expect(invoice.data).toMatchObject({ id: invoiceId, number: finalized.data!.number, total: '318.00', currency: 'CNY' });
    const list = await client.GET('/v1/invoices', { params: { query: { contractId } } });
    expect(list.data!.data.map((i) => i.id)).toEqual([invoiceId]);
  });

  it('answers a problem as `error`, typed by the document', async () => {
    const missing = await client.GET('/v1/contracts/{id}', { params: { path: { id: '01a23575-0000-7000-8000-000000000000' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('is generated from the document the service serves: regenerating it changes nothing', async () => {
    const served = await (await fetch(`${base}/openapi.json`)).text();
    const dir = mkdtempSync(join(tmpdir(), 'ol-client-'));
    try {
      writeFileSync(join(dir, 'openapi.json'), served);
      execFileSync(process.execPath, [join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'), join(dir, 'openapi.json'), '--default-non-nullable=false', '-o', join(dir, 'schema.d.ts')], { stdio: 'pipe', cwd: ROOT });
      const fresh = readFileSync(join(dir, 'schema.d.ts'), 'utf8');
      // On a difference: `npm run client:generate` and commit packages/client/src/schema.d.ts.
      expect(fresh === readFileSync(COMMITTED_SCHEMA, 'utf8')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
