import { ChildProcess, spawn } from 'node:child_process';
import { awaitRun } from '../support/billing';
import { customerWithContract } from '../support/fixtures';
import { createTestApp, TestApp } from '../support/test-app';
import { CONTRACTS, expectExactlyOnce, exited, ROOT, seedContracts, startWorker } from './billing-workers';

/**
 * Billing runs survive the process that works them: a worker killed mid-run leaves its chunk to
 * expire and be redelivered, and the run completes with every contract drafted, counted and
 * announced exactly once. Two workers share one run the same way.
 */
describe('durable billing runs across worker processes', () => {
  let t: TestApp;
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    // The API process only queues (BILLING_WORKER=false); chunks of 4; a chunk whose worker died expires after 3 s.
    t = await createTestApp({ env: { BILLING_WORKER: 'false', BILLING_CHUNK_SIZE: '4', BILLING_JOB_EXPIRE_SECONDS: '3' } });
  });
  afterAll(async () => {
    for (const p of workers) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await t.close();
  });

  it('completes a run whose worker was killed mid-way, with every contract drafted exactly once, after a new worker starts', async () => {
    const v = await t.createVendor('Killed Worker Vendor');
    const admin = t.as(v.adminKey);
    const totals = await seedContracts(admin);
    // Slow: 150 ms per contract, one job at a time, so that the kill lands inside the run.
    const first = await startWorker(t, { BILLING_TEST_DELAY_MS: '150', BILLING_WORKER_CONCURRENCY: '1' });
    workers.push(first.proc);
    const queued = await admin.post('/v1/billing-runs', { period: '2026-03' }).expect(202);
    expect(queued.body).toMatchObject({ status: 'queued', contracts: CONTRACTS, processed: 0 });

    let seen: any;
    const deadline = Date.now() + 60_000;
    do {
      seen = (await admin.get(`/v1/billing-runs/${queued.body.id}`).expect(200)).body;
      if (Date.now() > deadline) throw new Error(`the first worker made no progress:\n${first.output()}`);
      await new Promise((r) => setTimeout(r, 30));
    } while (seen.processed < 6);
    first.proc.kill('SIGKILL');
    expect((await exited(first.proc)).signal).toBe('SIGKILL');
    const atKill = (await admin.get(`/v1/billing-runs/${queued.body.id}`).expect(200)).body;
    expect(atKill.status).toBe('running');
    expect(atKill.processed).toBeLessThan(CONTRACTS);

    const second = await startWorker(t, { BILLING_TEST_DELAY_MS: '10' });
    workers.push(second.proc);
    const done = (await awaitRun(admin, queued.body.id, { timeoutMs: 90_000, pollMs: 100 })).body;
    await expectExactlyOnce(t, v.vendorId, queued.body.id, totals, done);

    // The survivor stops cleanly on SIGTERM.
    second.proc.kill('SIGTERM');
    expect(await exited(second.proc)).toEqual({ code: 0, signal: null });
  });

  it('shares one run between two worker processes, each contract drafted once', async () => {
    const v = await t.createVendor('Two Workers Vendor');
    const admin = t.as(v.adminKey);
    const totals = await seedContracts(admin);
    const [a, b] = await Promise.all([startWorker(t, { BILLING_TEST_DELAY_MS: '40' }), startWorker(t, { BILLING_TEST_DELAY_MS: '40' })]);
    workers.push(a.proc, b.proc);
    const queued = await admin.post('/v1/billing-runs', { period: '2026-03' }).expect(202);
    const done = (await awaitRun(admin, queued.body.id, { timeoutMs: 90_000, pollMs: 100 })).body;
    await expectExactlyOnce(t, v.vendorId, queued.body.id, totals, done);
    a.proc.kill('SIGTERM');
    b.proc.kill('SIGTERM');
    expect(await exited(a.proc)).toEqual({ code: 0, signal: null });
    expect(await exited(b.proc)).toEqual({ code: 0, signal: null });
  });

  it('bills from the command line: `cli bill` queues the run, works it in its own process and prints the completed run', async () => {
    const v = await t.createVendor('CLI Vendor');
    const admin = t.as(v.adminKey);
    for (let i = 0; i < 3; i++) {
      const { contractId } = await customerWithContract(admin);
      await admin.post(`/v1/contracts/${contractId}/outcomes`, { externalId: 'q', type: 'query', quantity: '10', occurredAt: '2026-03-15T10:00:00+08:00' }).expect(201);
    }
    const proc = spawn(process.execPath, ['-r', '@swc-node/register', 'src/cli.ts', 'bill', '--vendor', v.vendorId, '--period', '2026-03', '--json'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: t.appDatabaseUrl, MIGRATIONS_DATABASE_URL: t.ownerDatabaseUrl },
    });
    workers.push(proc);
    let out = '';
    let err = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (err += d));
    expect(await exited(proc)).toEqual({ code: 0, signal: null });
    const run = JSON.parse(out);
    expect(run).toMatchObject({ period: '2026-03', status: 'completed', contracts: 3, processed: 3, drafted: 3, failed: 0 });
    expect(err).toBe('');
    expect((await admin.get(`/v1/billing-runs/${run.id}`).expect(200)).body.results).toHaveLength(3);
  });
});
