// `npm run bench -- scale [--contracts=100000] [--per-contract=10] [--concurrency=4] [--chunk=100] [--workers=0]`
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
  const chunk = arg(args, 'chunk', '100');
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
    await db.query(`INSERT INTO customers (vendor_id, name, reference) SELECT $1, 'Customer ' || i, 'c-' || i FROM generate_series(1, $2::int) i`, [v, Math.ceil(contractCount / 10)]);
    await db.query(
      `INSERT INTO contracts (vendor_id, customer_id, name, currency, timezone, tax_rate, starts_on, billing_cycle, status)
       SELECT $1, cu.id, 'Contract ' || i, 'CNY', 'Asia/Shanghai', 0.06, '2026-01-01', 'monthly', 'active'
         FROM generate_series(1, $2::int) i
         JOIN customers cu ON cu.vendor_id = $1 AND cu.reference = 'c-' || (1 + (i - 1) / 10)`,
      [v, contractCount],
    );
    const doc = {
      components: [
        { type: 'flat_fee', amount: '1000.00', per: 'month' },
        { type: 'usage', metric: 'query', unitPrice: '0.20', per: '1', verification: 'auto' },
      ],
    };
    await db.query(
      `INSERT INTO terms_versions (vendor_id, contract_id, version, effective_from, document, document_sha256)
       SELECT $1, id, 1, '2026-01-01', $2::jsonb, repeat('0', 64) FROM contracts WHERE vendor_id = $1`,
      [v, JSON.stringify(doc)],
    );
    await db.query(
      `INSERT INTO outcomes (vendor_id, contract_id, external_id, type, quantity, occurred_at, status, verified_at, content_sha256)
       SELECT c.vendor_id, c.id, 'q-' || k, 'query', k * 10,
              ('2026-03-01'::timestamp AT TIME ZONE 'Asia/Shanghai') + k * interval '1 day', 'verified', now(),
              encode(sha256((c.id::text || k)::bytea), 'hex')
         FROM contracts c CROSS JOIN generate_series(1, $2::int) k WHERE c.vendor_id = $1`,
      [v, perContract],
    );
    await db.query('VACUUM ANALYZE');
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
