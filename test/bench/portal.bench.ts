// `npm run bench -- portal [--outcomes=100000]`
//
// The customer inbox with 100,000 outcomes awaiting verification: the first page (50 rows, the
// counts per status aggregated in SQL, dispute windows, the page rendered) through real HTTP with a
// real portal session, timed from request to the last byte. Median of 20 after a warm-up; target
// < 300 ms. Rows are loaded with INSERT … SELECT generate_series, not through the API.
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { DataSource } from 'typeorm';
import { startScratchPostgres } from '../support/local-postgres';
import { arg } from './args';
import { seedOutcomesSql } from './bench-database';

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = process.hrtime.bigint();
  const out = await fn();
  return [Number(process.hrtime.bigint() - t0) / 1e6, out];
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

export default async function portalBench(args: string[]): Promise<void> {
  const outcomes = Number(arg(args, 'outcomes', '100000'));
  const runs = Number(arg(args, 'runs', '20'));
  const pg = await startScratchPostgres('ol-bench-portal-', { ephemeral: true });
  process.env.DATABASE_URL = `${pg.serverUrl}/postgres`;
  process.env.LOG_LEVEL = 'silent';
  process.env.SEED_DEMO = 'false';
  process.env.WEBHOOKS_DISPATCH = 'false';
  process.env.RATE_LIMIT_PER_MINUTE = '0';
  const { AppModule } = await import('../../src/app.module');
  const { configureApp } = await import('../../src/app.setup');
  const { VendorsService } = await import('../../src/parties/vendors.service');
  const { CustomersService } = await import('../../src/parties/customers.service');
  const { ContractsService } = await import('../../src/contracts/contracts.service');
  const { PortalAuthService } = await import('../../src/portal/portal-auth.service');
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { logger: false });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  try {
    const db = app.get(DataSource);
    const { vendor, adminKey } = await app.get(VendorsService).create('Bench vendor');
    const admin = { vendorId: vendor.id, keyId: adminKey.id, role: 'vendor_admin' as const, customerId: null, contractIds: null };
    const customer = await app.get(CustomersService).create(vendor.id, { name: 'Bench hospital group' });
    const contracts: Array<{ id: string }> = [];
    for (const name of ['Radiology copilot', 'Triage assistant'])
      contracts.push(
        await app.get(ContractsService).create(vendor.id, {
          customerId: customer.id, name, currency: 'CNY', timezone: 'Asia/Shanghai', taxRate: '0.06', startsOn: '2026-01-01', status: 'active',
          terms: { components: [{ type: 'per_outcome', outcomeType: 'report', unitPrice: '15.00', verification: 'customer' }] },
        } as any),
      );
    const [load] = await timed(async () => {
      await db.query(
        seedOutcomesSql(
          'vendor_id, contract_id, external_id, type, quantity, occurred_at, dimensions, evidence_uri, evidence_sha256, status, content_sha256',
          `SELECT $1::uuid, CASE WHEN i % 2 = 0 THEN $2::uuid ELSE $3::uuid END, 'r-' || i, 'report', 1,
                  ('2026-03-01'::timestamp AT TIME ZONE 'Asia/Shanghai') + (i % 2678000) * interval '1 second',
                  jsonb_build_object('hospital', 'H' || (i % 7)), 's3://pacs/2026/03/r-' || i || '.dcm',
                  encode(sha256(('e-' || i)::bytea), 'hex'), 'recorded', encode(sha256(('r-' || i)::bytea), 'hex')
             FROM generate_series(1, $4::int) i`,
        ),
        [vendor.id, contracts[0].id, contracts[1].id, outcomes],
      );
      await db.query('VACUUM ANALYZE');
    });
    console.log(`seeded ${outcomes} outcomes awaiting verification in ${ms(load)}`);

    const auth = app.get(PortalAuthService);
    const link = await auth.issueLink(admin, { role: 'customer', customerId: customer.id }, base);
    const secret = await auth.signInWithLink(new URL(link.url).searchParams.get('token')!);
    const cookie = `ol_portal=${secret}`;

    const page = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers: { cookie, 'accept-language': 'zh-CN' } });
      const html = await res.text();
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${html.slice(0, 300)}`);
      return html;
    };
    for (const [label, path] of [
      ['inbox, first page', '/portal/customer'],
      ['inbox, one contract and a dimension', `/portal/customer?contractId=${contracts[0].id}&dimension=hospital%3DH3`],
      ['inbox, one month', '/portal/customer?period=2026-03'],
    ]) {
      const html = await page(path);
      const rows = (html.match(/data-outcome=/g) ?? []).length;
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push((await timed(() => page(path)))[0]);
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      console.log(`${label.padEnd(38)}: median ${ms(median)}, p90 ${ms(times[Math.floor(times.length * 0.9)])} (${rows} rows shown of ${outcomes}; target < 300 ms)`);
    }
    // Where the time goes: the SQL count per status over every matching outcome is the part that grows with n.
    const { OutcomesService } = await import('../../src/outcomes/outcomes.service');
    const asCustomer = { vendorId: vendor.id, keyId: adminKey.id, role: 'customer' as const, customerId: customer.id, contractIds: null };
    const outcomesService = app.get(OutcomesService);
    for (const [label, fn] of [
      ['  of which: counts per status (SQL)', () => outcomesService.countByStatus(asCustomer, { limit: 50 })],
      ['  of which: the page of 50 (SQL)', () => outcomesService.list(asCustomer, { status: 'recorded', limit: 50 })],
      ['a small page (HTTP, session, layout)', () => page('/portal/customer/trust')],
    ] as const) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push((await timed(fn as () => Promise<unknown>))[0]);
      times.sort((a, b) => a - b);
      console.log(`${label.padEnd(38)}: median ${ms(times[Math.floor(times.length / 2)])}`);
    }
    console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  } finally {
    await app.close();
    await pg.stop();
    rmSync(pg.dataDir, { recursive: true, force: true });
  }
}
