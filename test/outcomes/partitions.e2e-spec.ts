jest.setTimeout(180_000);

import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { vendorScope } from '../../src/auth/scope';
import { Params, Queryable } from '../../src/common/sql';
import { provisionRoles } from '../../src/database/roles';
import { OutcomeBillingReads } from '../../src/outcomes/billing.reads';
import { EvidenceOutcomeFilter, OutcomeEvidenceReads } from '../../src/outcomes/evidence.reads';
import { OutcomePartitions } from '../../src/outcomes/outcome-partitions';
import { customerWithContract } from '../support/fixtures';
import { TEST_ROLE_PASSWORDS } from '../support/harness-file';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';

/** The partitions a plan reads: relations of the nodes that ran (EXPLAIN ANALYZE), sorted. */
function scanned(plan: any): string[] {
  const out = new Set<string>();
  const walk = (n: any) => {
    if (n['Relation Name'] && (n['Actual Loops'] ?? 1) > 0) out.add(n['Relation Name']);
    for (const c of n.Plans ?? []) walk(c);
  };
  walk(plan[0].Plan);
  return [...out].sort();
}

/** Subplans an Append pruned (at planning they are simply absent; at execution EXPLAIN counts them). */
function subplansRemoved(plan: any): number {
  let n = 0;
  const walk = (p: any) => {
    n += p['Subplans Removed'] ?? 0;
    for (const c of p.Plans ?? []) walk(c);
  };
  walk(plan[0].Plan);
  return n;
}

const month = (d: Date) => `${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`;

describe('outcomes and outcome_events are partitioned by month', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let vendorId: string;
  let contractId: string;

  beforeAll(async () => {
    t = await createTestApp();
    const v = await t.createVendor('Partition vendor');
    vendorId = v.vendorId;
    vendor = t.as(v.adminKey);
    contractId = (
      await customerWithContract(vendor, {
        currency: 'USD', timezone: 'UTC', taxRate: '0', startsOn: '1999-01-01',
        terms: { components: [{ type: 'usage', metric: 'query', unitPrice: '1.00', per: '1', verification: 'auto' }] },
      })
    ).contractId;
    // This test's months, created as the service creates months ahead: through the function, as the service's own role.
    expect((await t.appDb.query(`SELECT ol_create_outcome_partitions('2026-01-01', 6) AS n`))[0].n).toBeGreaterThanOrEqual(10);
    const q = (externalId: string, occurredAt: string) => ({ externalId, type: 'query', quantity: '1', occurredAt });
    const res = await vendor
      .post('/v1/outcomes/batch', {
        outcomes: [
          q('q-jan', '2026-01-15T12:00:00Z'), q('q-feb', '2026-02-28T20:00:00Z'), q('q-mar-1', '2026-03-01T00:00:00Z'),
          q('q-mar-2', '2026-03-31T23:59:59Z'), q('q-apr', '2026-04-01T00:00:00Z'), q('q-old', '1999-06-01T00:00:00Z'),
        ].map((o) => ({ ...o, contractId })),
      })
      .expect(200);
    expect(res.body.results.map((r: any) => r.status)).toEqual(Array(6).fill('created'));
  });
  afterAll(() => t?.close());

  it('stores each outcome in its month, one dated outside every created month in the default partition, and its events by their own time', async () => {
    const rows = await t.db.query(
      `SELECT o.external_id, o.tableoid::regclass::text AS part FROM outcomes o WHERE o.vendor_id = $1 ORDER BY o.occurred_at`,
      [vendorId],
    );
    expect(rows).toEqual([
      { external_id: 'q-old', part: 'outcomes_default' },
      { external_id: 'q-jan', part: 'outcomes_2026_01' },
      { external_id: 'q-feb', part: 'outcomes_2026_02' },
      { external_id: 'q-mar-1', part: 'outcomes_2026_03' },
      { external_id: 'q-mar-2', part: 'outcomes_2026_03' },
      { external_id: 'q-apr', part: 'outcomes_2026_04' },
    ]);
    // Recorded then verified by the system, now: this month's partition, created ahead on boot.
    const events = await t.db.query(
      `SELECT e.tableoid::regclass::text AS part, count(*)::int AS n FROM outcome_events e WHERE e.vendor_id = $1 GROUP BY 1`,
      [vendorId],
    );
    expect(events).toEqual([{ part: `outcome_events_${month(new Date())}`, n: 12 }]);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM outcome_keys WHERE vendor_id = $1`, [vendorId]))[0].n).toBe(6);
    // Each reads back whole, by id, whatever its partition.
    for (const r of (await vendor.get(`/v1/outcomes?contractId=${contractId}`).expect(200)).body.data)
      expect((await vendor.get(`/v1/outcomes/${r.id}`).expect(200)).body).toMatchObject({ id: r.id, events: [{ toStatus: 'recorded' }, { toStatus: 'verified' }] });
  });

  it('the service has this month and the next three on boot, creates months ahead idempotently, and gets no privilege on a partition', async () => {
    const now = new Date();
    for (let i = 0; i < 4; i++) {
      const m = month(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1)));
      for (const table of ['outcomes', 'outcome_events'])
        expect((await t.db.query(`SELECT to_regclass($1) IS NOT NULL AS ok`, [`${table}_${m}`]))[0].ok).toBe(true);
    }
    const partitions = t.app.get(OutcomePartitions);
    expect(await partitions.ensure(new Date('2031-05-10T00:00:00Z'))).toBe(8);
    expect(await partitions.ensure(new Date('2031-05-10T00:00:00Z'))).toBe(0);
    const parts = await t.db.query(
      `SELECT c.relname AS name, pg_get_userbyid(c.relowner) AS owner,
              has_table_privilege('outcome_ledger_app', c.oid, 'SELECT') OR has_table_privilege('outcome_ledger_app', c.oid, 'INSERT') AS app_may
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent IN ('outcomes'::regclass, 'outcome_events'::regclass) ORDER BY 1`,
    );
    expect(parts.map((p: any) => p.name)).toEqual(expect.arrayContaining(['outcomes_2031_05', 'outcomes_2031_08', 'outcome_events_2031_08', 'outcomes_default']));
    for (const p of parts) expect(p).toMatchObject({ owner: expect.not.stringMatching(/^outcome_ledger_app$/), app_may: false });
  });

  it('the service role creates partitions only through the function, within its bounds', async () => {
    await expect(
      t.appDb.query(`CREATE TABLE outcomes_2040_01 PARTITION OF outcomes FOR VALUES FROM ('2040-01-01 00:00Z') TO ('2040-02-01 00:00Z')`),
    ).rejects.toThrow(/permission denied|must be owner/);
    await expect(t.appDb.query(`SELECT ol_create_month_partition('outcomes', '2040-01-01')`)).rejects.toThrow(/permission denied/);
    await expect(t.appDb.query(`SELECT ol_create_outcome_partitions('2040-01-01', 37)`)).rejects.toThrow(/months must be 0 to 36/);
  });

  it('moves rows out of the default partition when their month gets its partition; a date far out stays in the default', async () => {
    const partOf = async (externalId: string) =>
      (await t.db.query(`SELECT tableoid::regclass::text AS part FROM outcomes WHERE vendor_id = $1 AND external_id = $2`, [vendorId, externalId]))[0].part;
    // A backfill of a month nobody created, and a date far ahead: both accepted, into the default.
    const backfill = await vendor.post(`/v1/contracts/${contractId}/outcomes`, { externalId: 'q-backfill', type: 'query', quantity: '1', occurredAt: '2025-07-04T00:00:00Z' }).expect(201);
    await vendor.post(`/v1/contracts/${contractId}/outcomes`, { externalId: 'q-far', type: 'query', quantity: '1', occurredAt: '2090-01-01T00:00:00Z' }).expect(201);
    expect([await partOf('q-backfill'), await partOf('q-far')]).toEqual(['outcomes_default', 'outcomes_default']);
    // The next pass gives the backfilled month its partition and moves the row, unchanged.
    const before = (await vendor.get(`/v1/outcomes/${backfill.body.id}`).expect(200)).body;
    expect(await t.app.get(OutcomePartitions).ensure()).toBe(1);
    expect([await partOf('q-backfill'), await partOf('q-far'), await partOf('q-old')]).toEqual(['outcomes_2025_07', 'outcomes_default', 'outcomes_default']);
    expect((await vendor.get(`/v1/outcomes/${backfill.body.id}`).expect(200)).body).toEqual(before);
    // Asked for explicitly, a month far back is created too, with its row moved.
    expect((await t.appDb.query(`SELECT ol_create_outcome_partitions('1999-06-01', 1) AS n`))[0].n).toBe(2);
    expect(await partOf('q-old')).toBe('outcomes_1999_06');
    // The default partition's guards are back on after the move.
    await expect(t.db.query(`UPDATE outcomes SET quantity = 2 WHERE vendor_id = $1 AND external_id = 'q-far'`, [vendorId])).rejects.toThrow(/immutable/);
    await expect(t.db.query(`DELETE FROM outcomes WHERE vendor_id = $1 AND external_id = 'q-far'`, [vendorId])).rejects.toThrow(/append-only/);
  });

  it('keeps an externalId unique across months: a replay dated in another month is a conflict, not a second outcome', async () => {
    const res = await vendor
      .post(`/v1/contracts/${contractId}/outcomes`, { externalId: 'q-jan', type: 'query', quantity: '1', occurredAt: '2026-05-01T00:00:00Z' })
      .expect(409);
    expect(res.body.code).toBe('OUTCOME_EXTERNAL_ID_CONFLICT');
    expect((await t.db.query(`SELECT count(*)::int AS n FROM outcomes WHERE vendor_id = $1 AND external_id = 'q-jan'`, [vendorId]))[0].n).toBe(1);
    // Not by another path either: the key table refuses the second key, the outcome refuses a missing one.
    await expect(
      t.appDb.query(`INSERT INTO outcome_keys (vendor_id, contract_id, external_id, occurred_at) VALUES ($1, $2, 'q-jan', '2026-05-01')`, [vendorId, contractId]),
    ).rejects.toThrow(/duplicate key/);
    await expect(
      t.appDb.query(
        `INSERT INTO outcomes (vendor_id, contract_id, external_id, type, quantity, occurred_at, status, content_sha256)
         VALUES ($1, $2, 'q-keyless', 'query', 1, '2026-05-01', 'recorded', repeat('0', 64))`,
        [vendorId, contractId],
      ),
    ).rejects.toThrow(/foreign key/);
    await expect(t.appDb.query(`UPDATE outcome_keys SET external_id = 'x' WHERE vendor_id = $1`, [vendorId])).rejects.toThrow(/permission denied|append-only/);
  });

  describe('the billing aggregate of one month reads only that month’s partitions', () => {
    const aggregate = (timezone: string) => {
      const ps = new Params();
      const sql = t.app
        .get(OutcomeBillingReads)
        .periodOutcomesSql(vendorScope(vendorId), ps, { contractId, timezone, start: '2026-03-01', end: '2026-04-01', types: ['query'] });
      return { sql: `SELECT count(*)::int AS n FROM (${sql}) o`, values: ps.values };
    };

    it('a UTC month: its one partition (planned with the bounds bound, as the service sends them)', async () => {
      const { sql, values } = aggregate('UTC');
      expect((await t.db.query(sql, values))[0].n).toBe(2);
      const [{ 'QUERY PLAN': plan }] = await t.db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, values);
      expect(scanned(plan)).toEqual(['outcomes_2026_03']);
    });

    it('a month in Shanghai (UTC+8) starts on the last day of February in UTC: two partitions', async () => {
      const { sql, values } = aggregate('Asia/Shanghai');
      // q-feb is 1 March 04:00 in Shanghai; q-mar-2 is already 1 April there
      expect((await t.db.query(sql, values))[0].n).toBe(2);
      const [{ 'QUERY PLAN': plan }] = await t.db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, values);
      expect(scanned(plan)).toEqual(['outcomes_2026_02', 'outcomes_2026_03']);
    });

    it('a generic plan (a prepared statement) prunes at execution: the other partitions are removed subplans', async () => {
      const { sql, values } = aggregate('UTC');
      const qr = t.db.createQueryRunner();
      await qr.connect();
      try {
        await qr.query(`SET plan_cache_mode = force_generic_plan`);
        await qr.query(`PREPARE billing_month AS ${sql}`);
        const args = values.map((v) => (Array.isArray(v) ? `ARRAY[${v.map((x) => `'${x}'`).join(',')}]` : `'${v}'`)).join(', ');
        const [{ 'QUERY PLAN': plan }] = await qr.query(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE billing_month(${args})`);
        expect(scanned(plan)).toEqual(['outcomes_2026_03']);
        expect(subplansRemoved(plan)).toBeGreaterThanOrEqual(4);
        await qr.query(`DEALLOCATE billing_month`);
      } finally {
        await qr.release();
      }
    });

    it('the evidence export of a month reads its partition and those its extra outcomes occurred in', async () => {
      const reads = t.app.get(OutcomeEvidenceReads);
      const scope = vendorScope(vendorId);
      const [{ id: janId }] = await t.db.query(`SELECT id FROM outcomes WHERE vendor_id = $1 AND external_id = 'q-jan'`, [vendorId]);
      // A KPI measurement of January that a March invoice's guarantee read: exported with March.
      const f: EvidenceOutcomeFilter = {
        contracts: [{ id: contractId, timezone: 'UTC' }], fromDate: '2026-03-01', toEnd: '2026-04-01', measurementIds: [janId], alsoBilled: () => 'false',
      };
      f.extrasOccurred = await reads.extrasOccurrence(scope, f, () => 'SELECT NULL::uuid WHERE false');
      expect(f.extrasOccurred).toEqual({ from: '2026-01-15T12:00:00.000000Z', to: '2026-01-15T12:00:00.000000Z' });
      const batchSql = async (filter: EvidenceOutcomeFilter) => {
        let captured = { sql: '', values: [] as unknown[] };
        const recorder = { query: async (sql: string, values: unknown[]) => ((captured = { sql, values }), []) };
        await reads.outcomeBatch(scope, filter, '00000000-0000-0000-0000-000000000000', 1000, recorder as unknown as Queryable);
        return captured;
      };
      const { sql, values } = await batchSql(f);
      expect((await t.db.query(sql, values)).map((r: any) => r.external_id).sort()).toEqual(['q-jan', 'q-mar-1', 'q-mar-2']);
      const [{ 'QUERY PLAN': plan }] = await t.db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, values);
      expect(scanned(plan)).toEqual(['outcomes_2026_01', 'outcomes_2026_03']);
      // No extras at all: the month alone. Extras whose months are unknown (charge once per case): every month, as before.
      const alone = await batchSql({ ...f, extrasOccurred: null });
      expect(scanned((await t.db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${alone.sql}`, alone.values))[0]['QUERY PLAN'])).toEqual(['outcomes_2026_03']);
      const unbounded = await batchSql({ ...f, extrasOccurred: undefined });
      expect((await t.db.query(unbounded.sql, unbounded.values)).map((r: any) => r.external_id).sort()).toEqual(['q-jan', 'q-mar-1', 'q-mar-2']);
      expect(scanned((await t.db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${unbounded.sql}`, unbounded.values))[0]['QUERY PLAN']).length).toBeGreaterThan(4);
    });

    it('the periods join (one LATERAL probe per period) runs only the periods’ partitions', async () => {
      const ps = new Params();
      const from = t.app.get(OutcomeBillingReads).periodsJoinSql(vendorScope(vendorId), ps, {
        contractId,
        timezone: 'UTC',
        periodsJson: JSON.stringify([{ start: '2026-03-01', end: '2026-04-01', types: ['query'] }]),
      });
      const sql = `SELECT count(*)::int AS n FROM ${from}`;
      expect((await t.db.query(sql, ps.values))[0].n).toBe(2);
      const [{ 'QUERY PLAN': plan }] = await t.db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, ps.values);
      expect(scanned(plan)).toEqual(['outcomes_2026_03']);
    });
  });
});

describe('the conversion keeps the rows that exist', () => {
  it('moves outcomes and events into month partitions with their keys, and the guards still hold', async () => {
    const serverUrl = process.env.OL_TEST_SERVER_URL!;
    const name = `t_conv_${randomBytes(4).toString('hex')}`;
    const { ownerUrl } = await provisionRoles(serverUrl, name, TEST_ROLE_PASSWORDS);
    const before = migrations.slice(0, migrations.findIndex((m) => m.name === 'PartitionOutcomesByMonth1768500000000'));
    let ds = new DataSource({ type: 'postgres', url: ownerUrl, migrations: before, migrationsTransactionMode: 'each' });
    await ds.initialize();
    try {
      await ds.runMigrations();
      const [{ id: vendorId }] = await ds.query(`INSERT INTO vendors (name) VALUES ('Old vendor') RETURNING id`);
      const [{ id: customerId }] = await ds.query(`INSERT INTO customers (vendor_id, name) VALUES ($1, 'Old customer') RETURNING id`, [vendorId]);
      const [{ id: contractId }] = await ds.query(
        `INSERT INTO contracts (vendor_id, customer_id, name, currency, timezone, tax_rate, starts_on, billing_cycle, status)
         VALUES ($1, $2, 'Old contract', 'USD', 'UTC', 0, '2025-01-01', 'monthly', 'active') RETURNING id`,
        [vendorId, customerId],
      );
      await ds.query(
        `WITH o AS (
           INSERT INTO outcomes (vendor_id, contract_id, external_id, type, quantity, occurred_at, status, content_sha256)
           SELECT $1, $2, 'old-' || i, 'query', i, '2025-01-01'::timestamptz + i * interval '20 days', 'recorded', repeat('0', 64)
             FROM generate_series(0, 29) i RETURNING vendor_id, id)
         INSERT INTO outcome_events (vendor_id, outcome_id, to_status, actor_role, occurred_at)
         SELECT vendor_id, id, 'recorded', 'system', '2025-06-01' FROM o`,
        [vendorId, contractId],
      );
      const [original] = await ds.query(`SELECT id, external_id FROM outcomes WHERE external_id = 'old-3'`);
      await ds.query(
        `INSERT INTO outcomes (vendor_id, contract_id, external_id, type, quantity, occurred_at, status, content_sha256, corrects_outcome_id)
         VALUES ($1, $2, 'old-3-fix', 'query', 4, '2025-03-01', 'recorded', repeat('0', 64), $3)`,
        [vendorId, contractId, original.id],
      );
      await ds.destroy();

      ds = new DataSource({ type: 'postgres', url: ownerUrl, migrations, migrationsTransactionMode: 'each' });
      await ds.initialize();
      expect((await ds.runMigrations()).map((m) => m.name)).toEqual(['PartitionOutcomesByMonth1768500000000']);
      const [counts] = await ds.query(
        `SELECT (SELECT count(*)::int FROM outcomes) AS outcomes, (SELECT count(*)::int FROM outcome_keys) AS keys,
                (SELECT count(*)::int FROM outcome_events) AS events, (SELECT count(*)::int FROM outcomes_default) AS in_default,
                (SELECT relkind::text FROM pg_class WHERE oid = 'outcomes'::regclass) AS kind`,
      );
      expect(counts).toEqual({ outcomes: 31, keys: 31, events: 30, in_default: 0, kind: 'p' });
      // A partition per month with rows: 30 outcomes every 20 days from January 2025 span 20 months.
      const parts: Array<{ part: string }> = await ds.query(`SELECT DISTINCT tableoid::regclass::text AS part FROM outcomes ORDER BY 1`);
      expect(parts[0].part).toBe('outcomes_2025_01');
      expect(parts).toHaveLength(20);
      // The keys still hold: a second correction of the same outcome, a second key, an edit.
      await expect(
        ds.query(
          `INSERT INTO outcome_keys (vendor_id, contract_id, external_id, occurred_at, corrects_outcome_id) VALUES ($1, $2, 'old-3-fix-2', '2025-03-02', $3)`,
          [vendorId, contractId, original.id],
        ),
      ).rejects.toThrow(/outcome_keys_corrected_once/);
      await expect(ds.query(`UPDATE outcomes SET quantity = 9 WHERE external_id = 'old-1'`)).rejects.toThrow(/immutable/);
      await expect(ds.query(`DELETE FROM outcome_events`)).rejects.toThrow(/append-only/);
      // Best-effort down: back to plain tables with the rows.
      await ds.undoLastMigration();
      expect((await ds.query(`SELECT count(*)::int AS n, (SELECT relkind::text FROM pg_class WHERE oid = 'outcomes'::regclass) AS kind FROM outcomes`))[0]).toEqual({
        n: 31,
        kind: 'r',
      });
    } finally {
      if (ds.isInitialized) await ds.destroy();
      const admin = new Client({ connectionString: `${serverUrl}/postgres` });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
