import type { ChildProcess } from 'node:child_process';
import { awaitRun } from '../support/billing';
import { createTestApp, TestApp } from '../support/test-app';
import { CONTRACTS, expectExactlyOnce, exited, seedContracts, startWorker } from './billing-workers';

/**
 * A chunk whose worker is killed on its last try is failed by pg-boss's expiry, where our code
 * never sees it fail. It goes to the dead-letter queue, whose worker finishes it: the run completes
 * with every contract drafted exactly once instead of staying `running` for ever.
 */
describe('a billing-run chunk whose retries are spent by dying workers', () => {
  let t: TestApp;
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    // No retries at all: the first worker's death spends them.
    t = await createTestApp({ env: { BILLING_WORKER: 'false', BILLING_CHUNK_SIZE: '4', BILLING_JOB_EXPIRE_SECONDS: '2', BILLING_JOB_RETRY_LIMIT: '0' } });
  });
  afterAll(async () => {
    for (const p of workers) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    for (const k of ['BILLING_WORKER', 'BILLING_CHUNK_SIZE', 'BILLING_JOB_EXPIRE_SECONDS', 'BILLING_JOB_RETRY_LIMIT']) delete process.env[k];
    await t.close();
  });

  it('completes the run through the dead-letter queue, each contract drafted once', async () => {
    const v = await t.createVendor('Dead Letter Vendor');
    const admin = t.as(v.adminKey);
    const totals = await seedContracts(admin);
    const first = await startWorker(t, { BILLING_TEST_DELAY_MS: '150', BILLING_WORKER_CONCURRENCY: '1' });
    workers.push(first.proc);
    const queued = await admin.post('/v1/billing-runs', { period: '2026-03' }).expect(202);
    const deadline = Date.now() + 60_000;
    while ((await admin.get(`/v1/billing-runs/${queued.body.id}`).expect(200)).body.processed < 2) {
      if (Date.now() > deadline) throw new Error(`the first worker made no progress:\n${first.output()}`);
      await new Promise((r) => setTimeout(r, 30));
    }
    first.proc.kill('SIGKILL');
    await exited(first.proc);

    const second = await startWorker(t, { BILLING_TEST_DELAY_MS: '10' });
    workers.push(second.proc);
    const done = (await awaitRun(admin, queued.body.id, { timeoutMs: 90_000, pollMs: 100 })).body;
    await expectExactlyOnce(t, v.vendorId, queued.body.id, totals, done);
    expect(done.processed).toBe(CONTRACTS);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'billing-run-chunk-dead'`);
    expect(n).toBeGreaterThanOrEqual(1);
    second.proc.kill('SIGTERM');
    expect(await exited(second.proc)).toEqual({ code: 0, signal: null });
  });
});
