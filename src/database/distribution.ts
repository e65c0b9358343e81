import type { Queryable } from '../common/sql';

/**
 * The scale-out plan, stated once: on Citus every table is distributed by `vendor_id` and
 * colocated, except the few declared here. `docs/scale-out.md` prints `citusPlan()`, and
 * `test/database/distribution-ready.e2e-spec.ts` proves the live schema obeys it.
 */
export const DISTRIBUTION_COLUMN = 'vendor_id';

/** Small, read-mostly tables replicated to every node (`create_reference_table`). */
export const REFERENCE_TABLES: readonly string[] = ['vendors'];

/** Tables that stay on the coordinator only (TypeORM's bookkeeping). */
export const COORDINATOR_TABLES: readonly string[] = ['migrations'];

/** The table every distributed table is colocated with (its shards hold the same vendors). */
export const COLOCATION_ANCHOR = 'customers';

export interface DistributionFinding {
  table: string;
  rule: 'no_vendor_column' | 'vendor_column_nullable' | 'primary_key' | 'unique' | 'foreign_key';
  detail: string;
}

/** The Citus DDL for the given tables, in the order a migration to Citus would run it. */
export function citusPlan(tables: readonly string[]): string[] {
  const local = new Set([...REFERENCE_TABLES, ...COORDINATOR_TABLES]);
  const distributed = [...tables].filter((t) => !local.has(t)).sort((a, b) => (a === COLOCATION_ANCHOR ? -1 : b === COLOCATION_ANCHOR ? 1 : a.localeCompare(b)));
  return [
    ...REFERENCE_TABLES.filter((t) => tables.includes(t)).map((t) => `SELECT create_reference_table('${t}');`),
    ...distributed.map((t) =>
      t === COLOCATION_ANCHOR
        ? `SELECT create_distributed_table('${t}', '${DISTRIBUTION_COLUMN}');`
        : `SELECT create_distributed_table('${t}', '${DISTRIBUTION_COLUMN}', colocate_with => '${COLOCATION_ANCHOR}');`,
    ),
  ];
}

/** Base tables of the `public` schema. */
export async function publicTables(db: Queryable): Promise<string[]> {
  const rows: { name: string }[] = await db.query(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/**
 * What would stop the live schema from being distributed by vendor: a distributed table without a
 * NOT NULL vendor_id, a primary key or unique index (partial ones included) without it, a foreign
 * key between distributed tables that does not pair vendor_id with vendor_id.
 */
export async function distributionFindings(db: Queryable): Promise<DistributionFinding[]> {
  const findings: DistributionFinding[] = [];
  const local = new Set([...REFERENCE_TABLES, ...COORDINATOR_TABLES]);
  const tables = (await publicTables(db)).filter((t) => !local.has(t));

  const columns: { table: string; nullable: boolean }[] = await db.query(
    `SELECT a.attrelid::regclass::text AS table, NOT a.attnotnull AS nullable
       FROM pg_attribute a WHERE a.attname = $1 AND a.attnum > 0 AND NOT a.attisdropped
        AND a.attrelid::regclass::text = ANY($2)`,
    [DISTRIBUTION_COLUMN, tables],
  );
  const vendorColumn = new Map(columns.map((c) => [c.table, c.nullable]));
  for (const t of tables) {
    if (!vendorColumn.has(t)) findings.push({ table: t, rule: 'no_vendor_column', detail: `${t} has no ${DISTRIBUTION_COLUMN}` });
    else if (vendorColumn.get(t)) findings.push({ table: t, rule: 'vendor_column_nullable', detail: `${t}.${DISTRIBUTION_COLUMN} is nullable` });
  }

  const uniques: { table: string; index: string; primary: boolean; columns: string[] | null }[] = await db.query(
    `SELECT i.indrelid::regclass::text AS table, i.indexrelid::regclass::text AS index, i.indisprimary AS primary,
            array(SELECT a.attname::text FROM unnest(i.indkey) k JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k) AS columns
       FROM pg_index i WHERE i.indisunique AND i.indrelid::regclass::text = ANY($1) ORDER BY 1, 2`,
    [tables],
  );
  for (const u of uniques) {
    if (!(u.columns ?? []).includes(DISTRIBUTION_COLUMN)) {
      findings.push({ table: u.table, rule: u.primary ? 'primary_key' : 'unique', detail: `${u.index} (${(u.columns ?? []).join(', ')}) lacks ${DISTRIBUTION_COLUMN}` });
    }
  }
  for (const t of tables) {
    if (!uniques.some((u) => u.table === t && u.primary)) findings.push({ table: t, rule: 'primary_key', detail: `${t} has no primary key` });
  }

  const fks: { table: string; name: string; target: string; columns: string[]; targetColumns: string[] }[] = await db.query(
    `SELECT c.conrelid::regclass::text AS table, c.conname AS name, c.confrelid::regclass::text AS target,
            array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o) AS columns,
            array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o) AS "targetColumns"
       FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY($1) ORDER BY 1, 2`,
    [tables],
  );
  for (const fk of fks) {
    if (REFERENCE_TABLES.includes(fk.target)) continue; // distributed → reference is allowed
    const at = fk.columns.indexOf(DISTRIBUTION_COLUMN);
    if (at < 0 || fk.targetColumns[at] !== DISTRIBUTION_COLUMN) {
      findings.push({ table: fk.table, rule: 'foreign_key', detail: `${fk.name} → ${fk.target} does not pair ${DISTRIBUTION_COLUMN} with ${DISTRIBUTION_COLUMN}` });
    }
  }
  return findings;
}
