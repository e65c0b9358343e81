// Worker processes and a seeded run for the billing-run crash tests.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { customerWithContract } from '../support/fixtures';
import type { KeyedClient, TestApp } from '../support/test-app';

export const ROOT = join(__dirname, '..', '..');
export const CONTRACTS = 24;

export interface Worker {
  proc: ChildProcess;
  output: () => string;
}

/** `npm run cli -- worker` as its own process against the test app's database, as the service role. */
export async function startWorker(t: TestApp, env: Record<string, string>): Promise<Worker> {
  const proc = spawn(process.execPath, ['-r', '@swc-node/register', 'src/cli.ts', 'worker'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: t.appDatabaseUrl, MIGRATIONS_DATABASE_URL: t.ownerDatabaseUrl, BILLING_QUEUE_MAINTENANCE_SECONDS: '1', BILLING_POLL_MS: '500', ...env },
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 60_000;
  while (!out.includes('working billing-run jobs')) {
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      throw new Error(`worker did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, output: () => out };
}

export function exited(proc: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve({ code: proc.exitCode, signal: proc.signalCode });
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Contracts billed 0.20 per query with 100 + i queries in March 2026 (6% tax): their totals, by contract. */
export async function seedContracts(vendor: KeyedClient): Promise<Map<string, string>> {
  const totals = new Map<string, string>();
  for (let i = 0; i < CONTRACTS; i++) {
    const { contractId } = await customerWithContract(vendor);
    await vendor.post(`/v1/contracts/${contractId}/outcomes`, { externalId: 'q', type: 'query', quantity: String(100 + i), occurredAt: '2026-03-15T10:00:00+08:00' }).expect(201);
    // (100 + i) × 0.20 = 20.00 + 0.20 i, × 1.06: exact in cents
    totals.set(contractId, (((2000 + 20 * i) * 106) / 10000).toFixed(2));
  }
  return totals;
}

/** Every contract once: one result row, one invoice for the period, the exact total; the run's counts and one completion event. */
export async function expectExactlyOnce(t: TestApp, vendorId: string, runId: string, totals: Map<string, string>, run: any): Promise<void> {
  expect(run).toMatchObject({ status: 'completed', contracts: CONTRACTS, processed: CONTRACTS, drafted: CONTRACTS, failed: 0, alreadyFinalized: 0 });
  expect(run.results).toHaveLength(CONTRACTS);
  const rows: Array<{ contract_id: string; n: number }> = await t.db.query(
    `SELECT contract_id, count(*)::int AS n FROM billing_run_contracts WHERE vendor_id = $1 AND billing_run_id = $2 GROUP BY contract_id`,
    [vendorId, runId],
  );
  expect(rows).toHaveLength(CONTRACTS);
  expect(rows.every((r) => r.n === 1)).toBe(true);
  const invoices: Array<{ contract_id: string; n: number; total: string }> = await t.db.query(
    `SELECT contract_id, count(*)::int AS n, max(total)::numeric(20, 2)::text AS total FROM invoices
      WHERE vendor_id = $1 AND period_label = '2026-03' GROUP BY contract_id`,
    [vendorId],
  );
  expect(invoices).toHaveLength(CONTRACTS);
  for (const inv of invoices) {
    expect(inv.n).toBe(1);
    expect(inv.total).toBe(totals.get(inv.contract_id));
    expect(run.results.find((r: any) => r.contractId === inv.contract_id)).toMatchObject({ result: 'drafted', total: inv.total });
  }
  const [{ sum }] = await t.db.query(`SELECT sum(total)::numeric(20, 2)::text AS sum FROM invoices WHERE vendor_id = $1 AND period_label = '2026-03'`, [vendorId]);
  const expected = [...totals.values()].reduce((a, b) => a + Math.round(Number(b) * 100), 0);
  expect(sum).toBe((expected / 100).toFixed(2));
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM webhook_events WHERE vendor_id = $1 AND type = 'billing_run.completed'`, [vendorId]);
  expect(n).toBe(1);
}

