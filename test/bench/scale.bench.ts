// `npm run bench -- scale [--contracts=100000] [--per-contract=10] [--concurrency=4] [--chunk=500] [--workers=0]`
//
// A billing run over many contracts end to end through the job queue: the run is queued as the API
// queues it (one job per chunk of contracts), worked by this process's workers (`--concurrency` jobs
// at a time) and by `--workers` extra `cli worker` processes, and followed until completed. Prints
// contracts/s from the moment the run is queued to its completion, and the run's counts.
// Rows are seeded with INSERT … SELECT generate_series, not through the API.
import { NestFactory } from '@nestjs/core';
import { ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startScratchPostgres } from '../support/local-postgres';
import { arg } from './args';
import { seedManyContracts } from './bench-database';

const ROOT = join(__dirname, '..', '..');
const ms = (x: number) => `${(x / 1000).toFixed(1)} s`;

async function startWorker(url: string, env: Record<string, string>): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['-r', '@swc-node/register', 'src/cli.ts', 'worker'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: url, ...env } });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  while (!out.includes('working billing-run jobs')) {
    if (proc.exitCode !== null) throw new Error(`worker did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return proc;
}

export default async function scaleBench(args: string[]): Promise<void> {
  const contractCount = Number(arg(args, 'contracts', '100000'));
  const perContract = Number(arg(args, 'per-contract', '10'));
  const concurrency = arg(args, 'concurrency', '4');
  const chunk = arg(args, 'chunk', '500'); // the service's default (billingChunkSize)
  const extraWorkers = Number(arg(args, 'workers', '0'));
  const pg = await startScratchPostgres('ol-bench-scale-', { ephemeral: true });
  const url = `${pg.serverUrl}/postgres`;
  Object.assign(process.env, {
    DATABASE_URL: url,
    LOG_LEVEL: 'silent',
    SEED_DEMO: 'false',
    WEBHOOKS_DISPATCH: 'false',
    BILLING_WORKER: 'true',
    BILLING_WORKER_CONCURRENCY: concurrency,
    BILLING_CHUNK_SIZE: chunk,
    BILLING_POLL_MS: '500',
  });
  const { AppModule } = await import('../../src/app.module');
  const { VendorsService } = await import('../../src/parties/vendors.service');
  const { BillingRunsService } = await import('../../src/invoicing/billing-runs.service');
  const { vendorScope } = await import('../../src/auth/scope');
  const ctx = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const workers: ChildProcess[] = [];
  try {
    const db = ctx.get(DataSource);
    const { vendor } = await ctx.get(VendorsService).create('Scale bench vendor');
    const v = vendor.id;
    const t0 = Date.now();
    await seedManyContracts(db, v, contractCount, perContract);
    console.log(`PostgreSQL ${(await db.query('SHOW server_version'))[0].server_version}, fsync off`);
    console.log(`seeded ${contractCount} contracts with ${perContract} outcomes each in ${ms(Date.now() - t0)}`);
    for (let i = 0; i < extraWorkers; i++) workers.push(await startWorker(url, { BILLING_WORKER_CONCURRENCY: concurrency, BILLING_POLL_MS: '500', LOG_LEVEL: 'silent' }));
    console.log(`workers: this process × ${concurrency} jobs at a time${extraWorkers ? `, + ${extraWorkers} cli worker process(es) × ${concurrency}` : ''}; ${chunk} contracts per job`);

    const runs = ctx.get(BillingRunsService);
    const started = Date.now();
    const queued = await runs.start(v, { period: '2026-03' }, null);
    const queuedMs = Date.now() - started;
    let lastPrint = Date.now();
    const done = await runs.waitFor(vendorScope(v), queued.id, (n, total) => {
      if (Date.now() - lastPrint < 10_000) return;
      lastPrint = Date.now();
      console.log(`  … ${n}/${total} after ${ms(lastPrint - started)}`);
    }, 250);
    const elapsed = Date.now() - started;
    console.log(`queued ${queued.contracts} contracts (${Math.ceil(queued.contracts / Number(chunk))} jobs) in ${ms(queuedMs)}`);
    console.log(
      `billing run through the queue: ${done.contracts} contracts in ${ms(elapsed)} → ${(done.contracts / (elapsed / 1000)).toFixed(0)} contracts/s ` +
        `(drafted ${done.drafted}, failed ${done.failed}, status ${done.status})`,
    );
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
    await ctx.close();
    await pg.stop();
    rmSync(pg.dataDir, { recursive: true, force: true });
  }
}
