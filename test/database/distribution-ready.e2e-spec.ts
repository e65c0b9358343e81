jest.setTimeout(120_000);

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  citusPlan,
  COORDINATOR_TABLES,
  DISTRIBUTION_COLUMN,
  distributionFindings,
  publicTables,
  REFERENCE_TABLES,
} from '../../src/database/distribution';
import { createTestApp, TestApp } from '../support/test-app';

const ROOT = join(__dirname, '..', '..');

/**
 * Statements that run before the vendor is known: a credential is looked up by its secret's hash.
 * On Citus each is a multi-shard index probe (docs/scale-out.md); nothing else may be vendor-less.
 * Statements that interpolate a fragment (`${…}`) are not judged here: their vendor filter is the
 * fragment's (the scope filter, a key's record key); the API-key lookup and the deeming sweep's
 * vendor list are of that kind and are named in docs/scale-out.md.
 */
const VENDORLESS_LOOKUPS: Record<string, string> = {
  'src/portal/portal-sessions.repository.ts': 'a portal link or session by the SHA-256 of its token',
  'src/idempotency/idempotency.repository.ts': 'the expiry purge deletes expired records of every vendor (a multi-shard DELETE run by the system)',
};

/** Comments blanked (newlines kept, so line numbers hold): a `SELECT …` in a doc comment is not a statement. */
const withoutComments = (source: string) =>
  source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/^\s*\/\/.*$/gm, '');

function productionFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'testing' || name === '__snapshots__' ? [] : productionFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.spec.ts') ? [p] : [];
  });
}

/** Template literals that are SQL statements naming a distributed table. */
function statements(source: string, distributed: Set<string>): { sql: string; line: number }[] {
  const out: { sql: string; line: number }[] = [];
  for (const m of source.matchAll(/`([^`]*)`/g)) {
    const sql = m[1];
    if (!/\b(SELECT|INSERT|UPDATE|DELETE)\b/.test(sql)) continue;
    const named = [...sql.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE)\s+([a-z_]+)/g)].map((t) => t[1]);
    if (named.some((t) => distributed.has(t))) out.push({ sql, line: source.slice(0, m.index).split('\n').length });
  }
  return out;
}

/** A JOIN of two distributed tables must pair their vendor_id, or the joined table be pinned to the statement's vendor. */
function crossVendorJoins(sql: string, distributed: Set<string>, scopedAliases: Set<string> = new Set()): string[] {
  const bad: string[] = [];
  for (const j of sql.matchAll(/\bJOIN\s+([a-z_]+)\s+(?:AS\s+)?([a-z_]+)\s+ON\s+([\s\S]*?)(?=\bJOIN\b|\bWHERE\b|\bGROUP\b|\bORDER\b|\bLIMIT\b|\bUNION\b|\)\s*(?:AS|,|$)|$)/g)) {
    const [, table, alias, on] = j;
    if (!distributed.has(table)) continue;
    const paired = new RegExp(`\\b${alias}\\.${DISTRIBUTION_COLUMN}\\b`).test(on) || on.includes('${');
    // Pinned by a parameter, or by the scope filter (`scopeSql`) over this alias's vendor column.
    const pinned =
      new RegExp(`\\b${alias}\\.${DISTRIBUTION_COLUMN}\\s*=\\s*(\\$|\\$\\{)`).test(sql) ||
      (sql.includes('${scopeSql(') && scopedAliases.has(alias));
    if (!paired && !pinned) bad.push(`JOIN ${table} ${alias} ON ${on.trim().slice(0, 80)}`);
  }
  return bad;
}

describe('scale-out readiness: the schema can be distributed by vendor_id (Citus)', () => {
  let t: TestApp;
  let tables: string[];
  let distributed: Set<string>;

  beforeAll(async () => {
    t = await createTestApp();
    tables = await publicTables(t.db);
    distributed = new Set(tables.filter((x) => !REFERENCE_TABLES.includes(x) && !COORDINATOR_TABLES.includes(x)));
  });
  afterAll(() => t?.close());

  it('every distributed table carries vendor_id in its primary key, unique indexes and foreign keys', async () => {
    expect(distributed.size).toBeGreaterThan(20);
    expect(await distributionFindings(t.db)).toEqual([]);
  });

  it('detects a table that would not distribute (a scratch table in this test database)', async () => {
    await t.db.query(`
      CREATE TABLE scratch_parent (vendor_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (vendor_id, id));
      CREATE TABLE scratch_child (
        id uuid PRIMARY KEY, vendor_id uuid, parent_id uuid, code text UNIQUE,
        FOREIGN KEY (vendor_id, parent_id) REFERENCES scratch_parent(vendor_id, id),
        FOREIGN KEY (parent_id, vendor_id) REFERENCES scratch_parent(vendor_id, id)
      );`);
    try {
      const findings = (await distributionFindings(t.db)).filter((f) => f.table.startsWith('scratch_'));
      expect(findings.map((f) => f.rule).sort()).toEqual(['foreign_key', 'primary_key', 'unique', 'vendor_column_nullable']);
    } finally {
      await t.db.query(`DROP TABLE scratch_child; DROP TABLE scratch_parent;`);
    }
  });

  it('no statement of the product joins across vendors, and only the declared credential lookups run without a vendor', () => {
    const findings: string[] = [];
    const vendorless = new Set<string>();
    // Aliases whose vendor column a scope-columns constant hands to `scopeSql` (`vendorId: 'o.vendor_id'`).
    const scopedAliases = new Set<string>();
    for (const file of productionFiles(join(ROOT, 'src')))
      for (const m of readFileSync(file, 'utf8').matchAll(/vendorId: '(\w+)\.vendor_id'/g)) scopedAliases.add(m[1]);
    for (const file of productionFiles(join(ROOT, 'src'))) {
      const rel = relative(ROOT, file);
      const source = withoutComments(readFileSync(file, 'utf8'));
      for (const { sql, line } of statements(source, distributed)) {
        for (const j of crossVendorJoins(sql, distributed, scopedAliases)) findings.push(`${rel}:${line} ${j}`);
        if (!sql.includes(DISTRIBUTION_COLUMN) && !sql.includes('${')) {
          if (VENDORLESS_LOOKUPS[rel]) vendorless.add(rel);
          else findings.push(`${rel}:${line} names a distributed table without ${DISTRIBUTION_COLUMN}`);
        }
      }
    }
    expect(findings).toEqual([]);
    // The allow-list can only shrink: each entry must still be needed.
    expect([...vendorless].sort()).toEqual(Object.keys(VENDORLESS_LOOKUPS).sort());
  });

  it('the join check itself can fail (fixture)', () => {
    const d = new Set(['outcomes', 'invoices']);
    expect(crossVendorJoins('SELECT 1 FROM invoices i JOIN outcomes o ON o.id = i.id WHERE i.vendor_id = $1', d)).toHaveLength(1);
    expect(crossVendorJoins('SELECT 1 FROM invoices i JOIN outcomes o ON o.vendor_id = i.vendor_id AND o.id = i.id WHERE i.vendor_id = $1', d)).toEqual([]);
    expect(crossVendorJoins('SELECT 1 FROM s JOIN outcomes o ON o.contract_id = s.contract_id WHERE o.vendor_id = $2', d)).toEqual([]);
  });

  it('docs/scale-out.md prints the distribution plan of the live schema, table for table', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'scale-out.md'), 'utf8');
    const block = doc.split('<!-- citus-plan -->')[1]?.split('<!-- /citus-plan -->')[0] ?? '';
    const lines = block.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('SELECT'));
    expect(lines).toEqual(citusPlan(tables));
  });
});
