import { spawnSync } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { MetricsServer } from '../../src/observability/metrics-server';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher';
import { customerWithContract } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { freePort } from '../support/local-postgres';
import { moved, scrape } from './scrape';
import { runBilling } from '../support/billing';

const TOKEN = 'metrics-test-token';

describe('/metrics: what the service did, for Prometheus', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let port: number;
  let receiver: Server;
  let receiverBase: string;

  beforeAll(async () => {
    // /ok takes a delivery, anything else fails it (the delivery is retried later).
    receiver = createServer((req, res) => res.writeHead(req.url === '/ok' ? 204 : 500).end());
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    t = await createTestApp({ env: { WEBHOOKS_DISPATCH: 'false', METRICS_TOKEN: TOKEN, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    vendor = t.as((await t.createVendor('Metrics vendor')).adminKey);
    port = t.app.get(MetricsServer).port()!;
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('serves on its own loopback port, apart from the API, and requires METRICS_TOKEN when one is set', async () => {
    expect(port).toBeGreaterThan(0);
    expect((await scrape(port)).status).toBe(401);
    expect((await scrape(port, 'wrong-token-value!')).status).toBe(401);
    const ok = await scrape(port, TOKEN);
    expect(ok.status).toBe(200);
    expect(ok.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(ok.text).toContain('# TYPE outcome_ledger_outcomes_ingested_total counter');
    // The API port does not serve it.
    await t.http().get('/metrics').expect(404);
  });

  it('counts ingested outcomes, billing runs, ledger postings and webhook deliveries by the amounts they moved', async () => {
    const c = await customerWithContract(vendor, { currency: 'USD', timezone: 'UTC', taxRate: '0' });
    await vendor.post('/v1/webhook-endpoints', { url: `${receiverBase}/ok`, eventTypes: ['invoice.finalized'] }).expect(201);
    await vendor.post('/v1/webhook-endpoints', { url: `${receiverBase}/fail`, eventTypes: ['invoice.paid'] }).expect(201);
    const before = await scrape(port, TOKEN);

    const batch = {
      outcomes: ['q-1', 'q-2', 'q-3'].map((externalId, i) => ({
        contractId: c.contractId, externalId, type: 'query', quantity: String(100 * (i + 1)), occurredAt: '2026-03-10T00:00:00Z',
      })),
    };
    expect((await vendor.post('/v1/outcomes/batch', batch).expect(200)).body.created).toBe(3);
    // A replay of the same externalIds records nothing, and counts nothing.
    expect((await vendor.post('/v1/outcomes/batch', batch).expect(200)).body.duplicates).toBe(3);
    await vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: 'q-4', type: 'query', quantity: '400', occurredAt: '2026-03-11T00:00:00Z' }).expect(201);

    await runBilling(vendor, { period: '2026-03', contractIds: [c.contractId] });
    const draft = (await vendor.get(`/v1/invoices?contractId=${c.contractId}`).expect(200)).body.data[0];
    const invoice = (await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200)).body;
    expect(invoice.total).toBe('200.00'); // 1,000 queries at 0.20
    await vendor.post(`/v1/invoices/${invoice.id}/payments`, { amount: invoice.total, paidOn: '2026-04-01' }).expect(201);
    // invoice.finalized goes to /ok, invoice.paid to /fail.
    expect(await t.app.get(WebhookDispatcher).dispatchDue()).toEqual({ attempted: 2, succeeded: 1, retrying: 1, failed: 0 });
    await vendor.get('/v1/invoices/00000000-0000-4000-8000-000000000000').expect(404);
    await vendor.get('/v1/invoices/00000000-0000-4000-8000-000000000001').expect(404);

    const after = await scrape(port, TOKEN);
    const delta = (series: string) => moved(before, after, series);
    expect(delta('outcome_ledger_outcomes_ingested_total')).toBe(4);
    expect(delta('outcome_ledger_billing_runs_total')).toBe(1);
    expect(delta('outcome_ledger_billing_run_contracts_total{result="drafted"}')).toBe(1);
    expect(delta('outcome_ledger_billing_run_contracts_total{result="failed"}')).toBe(0);
    expect(delta('outcome_ledger_ledger_postings_total{kind="invoice_finalized"}')).toBe(1);
    expect(delta('outcome_ledger_ledger_postings_total{kind="payment"}')).toBe(1);
    expect(delta('outcome_ledger_webhook_delivery_attempts_total{result="succeeded"}')).toBe(1);
    expect(delta('outcome_ledger_webhook_delivery_attempts_total{result="retrying"}')).toBe(1);
    // Requests by route template, never by raw URL.
    expect(delta('http_requests_total{route="/v1/outcomes/batch",method="POST",status="200"}')).toBe(2);
    expect(delta('http_requests_total{route="/v1/billing-runs",method="POST",status="202"}')).toBe(1);
    expect(delta('http_requests_total{route="/v1/invoices/:id",method="GET",status="404"}')).toBe(2);
    expect(delta('http_request_duration_seconds_count{route="/v1/invoices/:id/finalize",method="POST",status="200"}')).toBe(1);
    expect(after.text).not.toContain('00000000-0000-4000-8000-000000000000');
    // The database pool, read at scrape time.
    expect(after.samples.get('db_pool_connections_total')).toBeGreaterThanOrEqual(1);
    expect(after.samples.get('db_pool_connections_idle')).toBeGreaterThanOrEqual(0);
    expect(after.samples.get('db_pool_requests_waiting')).toBe(0);
    expect(after.samples.get('process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('is not served by a CLI run, which has no HTTP app', async () => {
    // A port already taken: a CLI run that tried to listen would say so.
    const busy = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', resolve));
    try {
      const cli = spawnSync(process.execPath, ['-r', '@swc-node/register', 'src/cli.ts', 'vendor', 'list', '--json'], {
        cwd: `${__dirname}/../..`,
        env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: t.databaseUrl, METRICS_PORT: String(port), LOG_LEVEL: 'info' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect({ status: cli.status, stderr: cli.stderr }).toEqual({ status: 0, stderr: '' });
      expect(JSON.parse(cli.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Metrics vendor' })]));
      expect(cli.stdout).not.toContain('metrics');
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
