// `npm run bench -- ledger [--postings=2000] [--fast]`
//
// What the per-vendor chain head costs. Every posting locks its vendor's `ledger_heads` row
// (SELECT … FOR UPDATE) until its transaction commits, so one vendor's postings are serial:
// throughput is bounded by 1 / (time the lock is held), commit (WAL flush) included.
// Measures postings/s with 1, 4 and 16 concurrent writers on ONE vendor, 16 writers spread over
// 16 vendors (no shared head), one vendor whose transactions do 5 ms of other work after posting
// (as a finalization does), then batches of 100 entries per transaction (`postBatch`, what a
// billing run finalizing many invoices uses: one head lock, one multi-row INSERT), then `verify`
// speed. PostgreSQL runs durably (fsync on) unless --fast.
import { rmSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { startScratchPostgres } from '../support/local-postgres';
import { arg } from './args';
import { JournalEntryInput, LedgerService } from '../../src/ledger/ledger.service';
import { JournalRepository } from '../../src/ledger/journal.repository';
import { CheckpointRepository } from '../../src/ledger/checkpoint.repository';
import type { SigningKeysService } from '../../src/parties/signing-keys.service';



const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function entry(customerId: string, ref: string): JournalEntryInput {
  return {
    kind: 'invoice_finalized',
    reference: { type: 'invoice', id: ref },
    customerId,
    description: `Invoice ${ref}`,
    effectiveAt: '2026-03-31',
    lines: [
      { account: `receivable:${customerId}`, currency: 'CNY', debit: '1060.00' },
      { account: 'revenue:flat_fee', currency: 'CNY', credit: '700.00' },
      { account: 'revenue:value_share', currency: 'CNY', credit: '300.00' },
      { account: 'tax_payable', currency: 'CNY', credit: '60.00' },
    ],
  };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

export default async function ledgerBench(args: string[]): Promise<void> {
  const postings = Number(arg(args, 'postings', '2000'));
  const fast = args.includes('--fast');
  const pg = await startScratchPostgres('ol-bench-ledger-', { ephemeral: fast });
  const dataDir = pg.dataDir;
  const ds = new DataSource({ type: 'postgres', url: `${pg.serverUrl}/postgres`, migrations, migrationsTransactionMode: 'each', extra: { max: 40 } });
  try {
    await ds.initialize();
    await ds.runMigrations();
    // The bench signs no checkpoints: verify finds none and needs no keys.
    const noKeys = { list: async () => [] } as unknown as SigningKeysService;
    const ledger = new LedgerService(ds, new JournalRepository(ds), new CheckpointRepository(ds), noKeys);

    let n = 0;
    async function vendor(): Promise<{ vendorId: string; customerId: string }> {
      const [v] = await ds.query(`INSERT INTO vendors (name) VALUES ($1) RETURNING id`, [
        `bench ${++n}`,
      ]);
      const [c] = await ds.query(`INSERT INTO customers (vendor_id, name) VALUES ($1, 'bench customer') RETURNING id`, [v.id]);
      return { vendorId: v.id, customerId: c.id };
    }

    async function scenario(label: string, writers: number, vendors: number, workMs: number, total: number, batch = 1) {
      const parties = await Promise.all(Array.from({ length: vendors }, () => vendor()));
      let next = 0;
      const latencies: number[] = [];
      const t0 = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          const party = parties[w % vendors];
          for (;;) {
            const i = next;
            if (i >= total) return;
            const n = Math.min(batch, total - i);
            next += n;
            const s = process.hrtime.bigint();
            await ds.transaction(async (em) => {
              if (batch === 1) await ledger.post(em, party.vendorId, entry(party.customerId, `inv-${i}`));
              else await ledger.postBatch(em, party.vendorId, Array.from({ length: n }, (_, k) => entry(party.customerId, `inv-${i + k}`)));
              if (workMs) await sleep(workMs); // the rest of a finalization, holding the head
            });
            latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
          }
        }),
      );
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      latencies.sort((a, b) => a - b);
      for (const p of parties) {
        const report = await ledger.verify(p.vendorId);
        if (!report.ok) throw new Error(`chain broken after ${label}: ${JSON.stringify(report)}`);
      }
      console.log(
        `${label.padEnd(48)} ${String(total).padStart(6)} postings  ${(total / seconds).toFixed(0).padStart(6)} postings/s` +
          `  p50 ${pct(latencies, 50).toFixed(1)} ms  p99 ${pct(latencies, 99).toFixed(1)} ms${batch > 1 ? ' per batch' : ''}`,
      );
      return parties;
    }

    console.log(`ledger bench: PostgreSQL ${fast ? 'fsync=off (--fast)' : 'durable (fsync on, synchronous_commit on)'}, 4-line entries`);
    await scenario('warm-up', 4, 1, 0, Math.min(200, postings));
    await scenario('1 writer, 1 vendor', 1, 1, 0, postings);
    await scenario('4 writers, 1 vendor', 4, 1, 0, postings);
    const [big] = await scenario('16 writers, 1 vendor', 16, 1, 0, postings);
    await scenario('16 writers, 16 vendors (no shared head)', 16, 16, 0, postings);
    await scenario('16 writers, 1 vendor, +5 ms work in the tx', 16, 1, 5, Math.min(postings, 500));
    // A billing run finalizing many invoices: postBatch, one head lock per batch.
    await scenario('batches of 100 (postBatch), 1 writer, 1 vendor', 1, 1, 0, postings * 5, 100);
    await scenario('batches of 100 (postBatch), 4 writers, 1 vendor', 4, 1, 0, postings * 5, 100);
    await scenario('batches of 100, 4 writers, 1 vendor, +5 ms in tx', 4, 1, 5, postings * 5, 100);

    const t0 = process.hrtime.bigint();
    const report = await ledger.verify(big.vendorId);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(`verify: ${report.entries} entries in ${ms.toFixed(0)} ms (${((report.entries / ms) * 1000).toFixed(0)} entries/s), ok=${report.ok}`);
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
