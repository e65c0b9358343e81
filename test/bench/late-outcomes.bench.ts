// `npm run bench -- late-outcomes [--per-month=20000] [--months=24] [--late=20]`
//
// The late-outcome check before finalizing (#16 item 3): does invoicing month 24 of a contract cost
// what month 2 costs? One contract, `per-month` verified outcomes in each month, finalized month by
// month; before each finalization `late` outcomes of the previous (already invoiced) month are
// recorded, so that every check finds something to bill as an adjustment. Prints the draft
// (refreshDraft) and the finalization of each month, and the ratio month-N ÷ month-2 of each
// (target: 1 ± 0.2). Rows are loaded with INSERT … SELECT generate_series, not through the API.
import { NestFactory } from '@nestjs/core';
import { rmSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { startScratchPostgres } from '../support/local-postgres';
import { arg } from './args';
import { benchQueryContract, seedOutcomesSql } from './bench-database';

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = process.hrtime.bigint();
  const out = await fn();
  return [Number(process.hrtime.bigint() - t0) / 1e6, out];
}

const label = (m: number) => `${2024 + Math.floor((m - 1) / 12)}-${String(((m - 1) % 12) + 1).padStart(2, '0')}`;

export default async function lateOutcomesBench(args: string[]): Promise<void> {
  const perMonth = Number(arg(args, 'per-month', '20000'));
  const months = Number(arg(args, 'months', '24'));
  const late = Number(arg(args, 'late', '20'));
  const pg = await startScratchPostgres('ol-bench-late-', { ephemeral: true });
  process.env.DATABASE_URL = `${pg.serverUrl}/postgres`;
  process.env.LOG_LEVEL = 'silent';
  process.env.SEED_DEMO = 'false';
  process.env.WEBHOOKS_DISPATCH = 'false';
  const { AppModule } = await import('../../src/app.module');
  const { Contract } = await import('../../src/contracts/entities/contract.entity');
  const { InvoicesService } = await import('../../src/invoicing/invoices.service');
  const ctx = await NestFactory.createApplicationContext(AppModule, { logger: false });
  try {
    const db = ctx.get(DataSource);
    const invoices = ctx.get(InvoicesService);
    console.log(`PostgreSQL ${(await db.query('SHOW server_version'))[0].server_version}, fsync off; ${perMonth} outcomes a month, ${months} months, ${late} late outcomes before each finalization`);
    const { vendor, admin, created } = await benchQueryContract(ctx, '2024-01-01');
    // Every month's outcomes up front: the history the check used to scan is there from month 2 on.
    const [load] = await timed(() =>
      db.query(
        seedOutcomesSql(
          'vendor_id, contract_id, external_id, type, quantity, occurred_at, status, verified_at, content_sha256',
          `SELECT $1::uuid, $2::uuid, 'q-' || m || '-' || i, 'query', (i % 100) + 1,
                  (('2024-01-01'::date + make_interval(months => m - 1))::timestamp AT TIME ZONE 'Asia/Shanghai') + (i % 2419000) * interval '1 second',
                  'verified', now(), encode(sha256(('q-' || m || '-' || i)::bytea), 'hex')
             FROM generate_series(1, $3::int) m, generate_series(1, $4::int) i`,
        ),
        [vendor.id, created.id, months, perMonth],
      ),
    );
    await db.query('VACUUM ANALYZE outcomes');
    console.log(`loaded ${months * perMonth} outcomes in ${load.toFixed(0)} ms`);
    const contract = await db.manager.findOneByOrFail(Contract, { vendorId: vendor.id, id: created.id });

    const draftMs: number[] = [];
    const finalMs: number[] = [];
    for (let m = 1; m <= months; m++) {
      if (m > 1)
        // Late usage of the month just invoiced: verified after its invoice, billed on this one.
        await db.query(
          seedOutcomesSql(
            'vendor_id, contract_id, external_id, type, quantity, occurred_at, status, verified_at, content_sha256',
            `SELECT $1::uuid, $2::uuid, 'late-' || $3::int || '-' || i, 'query', 1,
                    (('2024-01-01'::date + make_interval(months => $3::int - 2))::timestamp AT TIME ZONE 'Asia/Shanghai') + i * interval '1 minute',
                    'verified', now(), encode(sha256(('late-' || $3::int || '-' || i)::bytea), 'hex')
               FROM generate_series(1, $4::int) i`,
          ),
          [vendor.id, created.id, m, late],
        );
      const [d, draft] = await timed(() => invoices.refreshDraft(vendor.id, contract, label(m)));
      const [f, inv] = await timed(() => invoices.finalize(admin, draft.invoiceId!));
      draftMs.push(d);
      finalMs.push(f);
      const adjustment = inv.lines.filter((l) => l.adjustment).map((l) => l.amount).join(', ');
      if (m <= 3 || m % 6 === 0 || m === months)
        console.log(`month ${String(m).padStart(2)} (${label(m)}): draft ${d.toFixed(1).padStart(7)} ms, finalize ${f.toFixed(1).padStart(7)} ms  → ${inv.number}, total ${inv.total}${adjustment ? `, adjustment ${adjustment}` : ''}`);
    }
    // Months 2–4 against the last three: one month alone is noisy on a shared machine.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const early = (xs: number[]) => mean(xs.slice(1, 4));
    const lastThree = (xs: number[]) => mean(xs.slice(-3));
    const ratio = (xs: number[]) => `${(xs[months - 1] / xs[1]).toFixed(2)}; months ${months - 2}–${months} ÷ months 2–4: ${(lastThree(xs) / early(xs)).toFixed(2)}`;
    console.log(`draft    month ${months} ÷ month 2: ${ratio(draftMs)}  (target 1 ± 0.2)`);
    console.log(`finalize month ${months} ÷ month 2: ${ratio(finalMs)}  (target 1 ± 0.2)`);
  } finally {
    await ctx.close();
    await pg.stop();
    rmSync(pg.dataDir, { recursive: true, force: true });
  }
}
