// What the server benches share: a durable scratch PostgreSQL (fsync on, as in production), migrated,
// with one vendor created in-process as the operator's CLI does.
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { startScratchPostgres } from '../support/local-postgres';

export async function migrateAndCreateVendor(url: string, name: string): Promise<{ vendorId: string; adminKey: { id: string; secret: string } }> {
  const ds = new DataSource({ type: 'postgres', url, migrations, migrationsTransactionMode: 'each' });
  await ds.initialize();
  await ds.runMigrations();
  // The benches' data is dated in 2026: its months partitioned, as the service creates them ahead.
  await ds.query(`SELECT ol_create_outcome_partitions('2026-01-01', 12)`);
  await ds.destroy();
  process.env.DATABASE_URL = url;
  process.env.LOG_LEVEL = 'silent';
  const { AppModule } = await import('../../src/app.module');
  const { VendorsService } = await import('../../src/parties/vendors.service');
  const ctx = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const { vendor, adminKey } = await ctx.get(VendorsService).create(name);
  await ctx.close();
  return { vendorId: vendor.id, adminKey: { id: adminKey.id, secret: adminKey.secret } };
}

export const startBenchPostgres = () => startScratchPostgres('ol-bench-', { database: 'bench' });

/**
 * `contractCount` active monthly CNY contracts (ten per customer) billed a flat 1000.00 plus 0.20
 * per query, each with `perContract` verified queries in March 2026: the many-contract benches' data.
 */
export async function seedManyContracts(db: Pick<DataSource, 'query'>, vendorId: string, contractCount: number, perContract: number): Promise<void> {
  await db.query(`SELECT ol_create_outcome_partitions('2026-01-01', 12)`);
  await db.query(`INSERT INTO customers (vendor_id, name, reference) SELECT $1, 'Customer ' || i, 'c-' || i FROM generate_series(1, $2::int) i`, [
    vendorId,
    Math.ceil(contractCount / 10),
  ]);
  await db.query(
    `INSERT INTO contracts (vendor_id, customer_id, name, currency, timezone, tax_rate, starts_on, billing_cycle, status)
     SELECT $1, cu.id, 'Contract ' || i, 'CNY', 'Asia/Shanghai', 0.06, '2026-01-01', 'monthly', 'active'
       FROM generate_series(1, $2::int) i
       JOIN customers cu ON cu.vendor_id = $1 AND cu.reference = 'c-' || (1 + (i - 1) / 10)`,
    [vendorId, contractCount],
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
    [vendorId, JSON.stringify(doc)],
  );
  await db.query(
    seedOutcomesSql(
      'vendor_id, contract_id, external_id, type, quantity, occurred_at, status, verified_at, content_sha256',
      `SELECT c.vendor_id, c.id, 'q-' || k, 'query', k * 10,
              ('2026-03-01'::timestamp AT TIME ZONE 'Asia/Shanghai') + k * interval '1 day', 'verified', now(),
              encode(sha256((c.id::text || k)::bytea), 'hex')
         FROM contracts c CROSS JOIN generate_series(1, $2::int) k WHERE c.vendor_id = $1::uuid`,
    ),
    [vendorId, perContract],
  );
  await db.query('VACUUM ANALYZE');
}

/**
 * A vendor, its admin principal and one contract billed 0.20 per query (CNY, Shanghai) from
 * `startsOn`, made through the services. The services are imported here, after the bench set the
 * database environment (src reads it on import).
 */
export async function benchQueryContract(ctx: INestApplicationContext, startsOn: string) {
  // Two years of monthly partitions from the contract's start (OL_BENCH_MONTHS to vary), as the service creates months ahead.
  await ctx.get(DataSource).query(`SELECT ol_create_outcome_partitions($1::date, $2::int)`, [startsOn, Number(process.env.OL_BENCH_MONTHS ?? 24)]);
  const { VendorsService } = await import('../../src/parties/vendors.service');
  const { CustomersService } = await import('../../src/parties/customers.service');
  const { ContractsService } = await import('../../src/contracts/contracts.service');
  const { vendor, adminKey } = await ctx.get(VendorsService).create('Bench vendor');
  const admin = { vendorId: vendor.id, keyId: adminKey.id, role: 'vendor_admin' as const, customerId: null, contractIds: null };
  const customer = await ctx.get(CustomersService).create(vendor.id, { name: 'Bench customer' });
  const created = await ctx.get(ContractsService).create(vendor.id, {
    customerId: customer.id,
    name: 'Chatbot queries',
    currency: 'CNY',
    timezone: 'Asia/Shanghai',
    taxRate: '0.06',
    startsOn,
    status: 'active',
    terms: { components: [{ type: 'usage', metric: 'query', unitPrice: '0.20', per: '1', verification: 'auto' }] },
  } as any);
  return { vendor, adminKey, admin, created };
}


/**
 * A seed's `INSERT INTO outcomes (columns) <select>` as the service writes outcomes: each with its
 * key in outcome_keys (the idempotency key and the target of the foreign keys by outcome id; see
 * migration 1768500000000), in one statement. `columns` must name vendor_id, contract_id,
 * external_id and occurred_at; parameters in `select` need casts (a CTE does not infer them from
 * the target). `then` is the statement's last part over `ins` (the inserted ids), e.g. events.
 */
export function seedOutcomesSql(columns: string, select: string, o: { with?: string; then?: string } = {}): string {
  return `WITH ${o.with ? `${o.with}, ` : ''}src (${columns}) AS (${select}),
    keys AS (INSERT INTO outcome_keys (vendor_id, contract_id, external_id, occurred_at)
             SELECT vendor_id, contract_id, external_id, occurred_at FROM src RETURNING id, contract_id, external_id),
    ins AS (INSERT INTO outcomes (id, ${columns}) SELECT keys.id, src.* FROM src JOIN keys USING (contract_id, external_id) RETURNING id)
    ${o.then ?? 'SELECT count(*) FROM ins'}`;
}
