// `npm run bench -- invoice [--outcomes=1000000] [--contracts=10000] [--per-contract=10] [--finalize=1000] [--batch=100]`
//
// 1. One contract with a million verified outcomes in March: the draft computation (terms, SQL
//    aggregate with the ids digest, KPI and adjustment queries, the engine, the draft upsert)
//    against a raw SQL aggregate of the same rows (count and sums only), in the same run; prints
//    the ratio (target ≤ 1.5). Also prints what the sorted sha256(string_agg(id)) digest would cost,
//    the alternative the ids digest replaces, and the finalization and reproduction of that invoice.
// 2. A billing run over ten thousand contracts with their outcomes: contracts per second, first
//    run (creates the drafts) and second run (recomputes them).
// 3. Finalizing `finalize` of those drafts one by one, then `finalize` more with finalizeMany in
//    batches of `batch` (their journal entries posted as one ledger batch each): invoices/s.
// Rows are loaded with INSERT … SELECT generate_series, not through the API.
import { NestFactory } from '@nestjs/core';
import { rmSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { startScratchPostgres } from '../support/local-postgres';
import { arg } from './args';
import { benchQueryContract, seedManyContracts, seedOutcomesSql } from './bench-database';



async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = process.hrtime.bigint();
  const out = await fn();
  return [Number(process.hrtime.bigint() - t0) / 1e6, out];
}

/** Median of `runs` timings after one warm-up. */
async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await timed(fn))[0]);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

export default async function invoiceBench(args: string[]): Promise<void> {
  const outcomes = Number(arg(args, 'outcomes', '1000000'));
  const contractCount = Number(arg(args, 'contracts', '10000'));
  const perContract = Number(arg(args, 'per-contract', '10'));
  const toFinalize = Number(arg(args, 'finalize', '1000'));
  const batchSize = Number(arg(args, 'batch', '100'));
  const pg = await startScratchPostgres('ol-bench-invoice-', { ephemeral: true });
  const dataDir = pg.dataDir;
  process.env.DATABASE_URL = `${pg.serverUrl}/postgres`;
  process.env.LOG_LEVEL = 'silent';
  process.env.SEED_DEMO = 'false';
  process.env.WEBHOOKS_DISPATCH = 'false';
  const { AppModule } = await import('../../src/app.module');
  const { VendorsService } = await import('../../src/parties/vendors.service');
  const { Contract } = await import('../../src/contracts/entities/contract.entity');
  const { InvoicesService } = await import('../../src/invoicing/invoices.service');
  const { BillingRunsService } = await import('../../src/invoicing/billing-runs.service');
  const { IDS_DIGEST_SQL } = await import('../../src/invoicing/billing-inputs.repository');
  const ctx = await NestFactory.createApplicationContext(AppModule, { logger: false });
  try {
    const db = ctx.get(DataSource);
    const invoices = ctx.get(InvoicesService);
    console.log(`PostgreSQL ${(await db.query('SHOW server_version'))[0].server_version}, fsync off; ${outcomes} outcomes, ${contractCount} contracts`);

    // ── 1. one contract, a million outcomes ─────────────────────────────────────────────────
    const { vendor, admin, created } = await benchQueryContract(ctx, '2026-01-01');
    const [load] = await timed(() =>
      db.query(
        seedOutcomesSql(
          'vendor_id, contract_id, external_id, type, quantity, occurred_at, status, verified_at, content_sha256',
          `SELECT $1::uuid, $2::uuid, 'q-' || i, 'query', (i % 100) + 1,
                  ('2026-03-01'::timestamp AT TIME ZONE 'Asia/Shanghai') + (i % 2678000) * interval '1 second',
                  'verified', now(), encode(sha256(('q-' || i)::bytea), 'hex')
             FROM generate_series(1, $3::int) i`,
        ),
        [vendor.id, created.id, outcomes],
      ),
    );
    await db.query('VACUUM ANALYZE outcomes');
    console.log(`loaded ${outcomes} outcomes in ${ms(load)} (INSERT … SELECT generate_series), then VACUUM ANALYZE`);

    const rawSql = `SELECT type, count(*), sum(quantity), sum(value) FROM outcomes
                     WHERE vendor_id = $1 AND contract_id = $2 AND status = 'verified'
                       AND occurred_at >= ('2026-03-01'::timestamp AT TIME ZONE 'Asia/Shanghai')
                       AND occurred_at < ('2026-04-01'::timestamp AT TIME ZONE 'Asia/Shanghai')
                     GROUP BY type`;
    const params = [vendor.id, created.id];
    const contract = await db.manager.findOneByOrFail(Contract, { vendorId: vendor.id, id: created.id });
    const raw = await median(5, () => db.query(rawSql, params));
    const draft = await median(5, () => invoices.refreshDraft(vendor.id, contract, '2026-03'));
    const sorted = await median(3, () =>
      db.query(rawSql.replace('sum(value)', `sum(value), encode(sha256(string_agg(id::text, ',' ORDER BY id)::bytea), 'hex')`), params),
    );
    const xor = await median(3, () => db.query(rawSql.replace('sum(value)', `sum(value), ${IDS_DIGEST_SQL.replace(/o\.id/g, 'id')}`), params));
    console.log(`raw SQL aggregate (count, sums)            : ${ms(raw)}  (median of 5)`);
    console.log(`draft computation (refreshDraft)           : ${ms(draft)}  (median of 5)`);
    console.log(`ratio draft / raw                          : ${(draft / raw).toFixed(2)}  (target ≤ 1.5)`);
    console.log(`  aggregate + xor128 ids digest (chosen)   : ${ms(xor)}`);
    console.log(`  aggregate + sha256(string_agg ORDER BY)  : ${ms(sorted)}  (the alternative)`);
    const [{ id: invoiceId }] = await db.query(`SELECT id FROM invoices WHERE vendor_id = $1 AND contract_id = $2`, params);
    const [fin, inv] = await timed(() => invoices.finalize(admin, invoiceId));
    console.log(`finalize (records ${outcomes} billed outcomes) : ${ms(fin)}  → ${inv.number}, total ${inv.total}`);
    const [ver, check] = await timed(() => invoices.verify(admin, invoiceId));
    console.log(`verify (re-price from the record)          : ${ms(ver)}  → matches ${check.matches}`);

    // ── 2. a billing run over many contracts ────────────────────────────────────────────────
    const many = await ctx.get(VendorsService).create('Bench vendor (many contracts)');
    const v2 = many.vendor.id;
    const [seed] = await timed(async () => {
      await seedManyContracts(db, v2, contractCount, perContract);
    });
    console.log(`seeded ${contractCount} contracts with ${perContract} outcomes each in ${ms(seed)}`);
    const runs = ctx.get(BillingRunsService);
    const [first, r1] = await timed(() => runs.run(v2, { period: '2026-03' }, null));
    console.log(`billing run (creates drafts)   : ${r1.contracts} contracts in ${ms(first)} → ${(r1.contracts / (first / 1000)).toFixed(0)} contracts/s (drafted ${r1.drafted}, failed ${r1.failed})`);
    const [second, r2] = await timed(() => runs.run(v2, { period: '2026-03' }, null));
    console.log(`billing run (recomputes drafts): ${r2.contracts} contracts in ${ms(second)} → ${(r2.contracts / (second / 1000)).toFixed(0)} contracts/s`);

    // ── 3. finalizing the run's drafts: one by one, and in batches (one ledger batch each) ─────
    const [key2] = await db.query(`SELECT id FROM api_keys WHERE vendor_id = $1 LIMIT 1`, [v2]);
    const admin2 = { vendorId: v2, keyId: key2.id, role: 'vendor_admin' as const, customerId: null, contractIds: null };
    const drafts: string[] = (await db.query(`SELECT id FROM invoices WHERE vendor_id = $1 AND status = 'draft' ORDER BY id LIMIT $2`, [v2, 2 * toFinalize])).map(
      (r: { id: string }) => r.id,
    );
    const half = Math.floor(drafts.length / 2);
    const [single] = await timed(async () => {
      for (const id of drafts.slice(0, half)) await invoices.finalize(admin2, id);
    });
    console.log(`finalize one by one            : ${half} invoices in ${ms(single)} → ${(half / (single / 1000)).toFixed(0)} invoices (journal postings)/s`);
    const [batched] = await timed(async () => {
      for (let i = half; i < drafts.length; i += batchSize) await invoices.finalizeMany(admin2, drafts.slice(i, Math.min(i + batchSize, drafts.length)));
    });
    const n = drafts.length - half;
    console.log(`finalizeMany, batches of ${String(batchSize).padEnd(5)}: ${n} invoices in ${ms(batched)} → ${(n / (batched / 1000)).toFixed(0)} invoices (journal postings)/s`);
  } finally {
    await ctx.close();
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
