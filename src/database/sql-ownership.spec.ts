// Only a table's owning domain folder speaks SQL to it (rule 8). The map names an owner for every
// table the migrations create; the scan reads every production file of src/ (not specs) and
// names file:line wherever SQL names a table outside its owner folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const SRC = join(ROOT, 'src');
const MIGRATIONS = join(ROOT, 'migrations');

/** table → the top-level folder of src/ that owns it. */
const OWNER: Record<string, string> = {
  api_keys: 'auth',
  billing_runs: 'invoicing',
  contracts: 'contracts',
  credit_notes: 'invoicing',
  customers: 'parties',
  document_number_counters: 'invoicing',
  export_log: 'audit',
  idempotency_keys: 'idempotency',
  invoice_outcomes: 'invoicing',
  invoices: 'invoicing',
  invoice_tax_invoices: 'invoicing',
  billing_run_contracts: 'invoicing',
  journal_entries: 'ledger',
  journal_lines: 'ledger',
  ledger_checkpoints: 'ledger',
  ledger_heads: 'ledger',
  outcome_events: 'outcomes',
  outcome_keys: 'outcomes',
  outcomes: 'outcomes',
  payments: 'invoicing',
  portal_links: 'portal',
  portal_sessions: 'portal',
  spend_control_versions: 'spend',
  spend_threshold_crossings: 'spend',
  terms_versions: 'contracts',
  value_basis_versions: 'contracts',
  vendor_signing_keys: 'parties',
  verifiers: 'parties',
  vendors: 'parties',
  webhook_deliveries: 'webhooks',
  webhook_delivery_attempts: 'webhooks',
  webhook_endpoints: 'webhooks',
  webhook_events: 'webhooks',
};

/**
 * Fragments that still name another domain's table, by file and table, so a new trespass fails
 * and an entry that no longer occurs fails too. None today: parties' customer scope asks contracts
 * through the CONTRACTED_CUSTOMERS port (src/contracts/contracted-customers.ts).
 */
const NOT_YET_MOVED: ReadonlyArray<string> = [];

const SQL_TABLE = /\b(?:FROM|JOIN|INTO|UPDATE|DELETE\s+FROM|TABLE)\s+(?:ONLY\s+)?"?([a-z_][a-z0-9_]*)"?/gi;

export interface Trespass {
  file: string;
  line: number;
  table: string;
  owner: string;
}

/** Every place `text` (of `file`, under folder `folder`) names in SQL a table owned elsewhere. */
export function trespasses(file: string, folder: string, text: string): Trespass[] {
  const found: Trespass[] = [];
  for (const m of text.matchAll(SQL_TABLE)) {
    const table = m[1].toLowerCase();
    const owner = OWNER[table];
    if (!owner || owner === folder) continue;
    const line = text.slice(0, m.index).split('\n').length;
    found.push({ file, line, table, owner });
  }
  return found;
}

function productionFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return productionFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

function migrationTables(): string[] {
  const tables = new Set<string>();
  for (const name of readdirSync(MIGRATIONS).filter((n) => n.endsWith('.ts'))) {
    // A partition (`CREATE TABLE x PARTITION OF t`) is its parent's: not a table of its own.
    for (const m of readFileSync(join(MIGRATIONS, name), 'utf8').matchAll(/CREATE TABLE\s+(?:IF NOT EXISTS\s+)?"?([a-z_][a-z0-9_]*)\b"?(?!\s+PARTITION OF)/gi))
      tables.add(m[1].toLowerCase());
  }
  return [...tables].sort();
}

describe('SQL ownership', () => {
  it('names an owner folder, which exists, for every table the migrations create', () => {
    expect(Object.keys(OWNER).sort()).toEqual(migrationTables());
    for (const owner of new Set(Object.values(OWNER))) expect(statSync(join(SRC, owner)).isDirectory()).toBe(true);
  });

  it('no production file of src/ names in SQL a table outside its owner folder', () => {
    const all = productionFiles(SRC).flatMap((path) => {
      const file = relative(SRC, path).split(sep).join('/');
      return trespasses(file, file.split('/')[0], readFileSync(path, 'utf8'));
    });
    const key = (t: Trespass) => `${t.file} ${t.table}`;
    const unexpected = all.filter((t) => !NOT_YET_MOVED.includes(key(t))).map((t) => `src/${t.file}:${t.line} ${t.table} (owner ${t.owner})`);
    expect(unexpected).toEqual([]);
    // A listed read that was moved must leave the list, so the list only shrinks.
    expect(NOT_YET_MOVED.filter((k) => !all.some((t) => key(t) === k))).toEqual([]);
  });

  it('fails, naming file:line, on SQL over another domain’s table (fixture)', () => {
    const fixture = "const a = 1;\nawait db.query(`SELECT c.customer_id\n  FROM contracts c JOIN invoices i ON i.id = $1`);\n";
    expect(trespasses('outcomes/fixture.ts', 'outcomes', fixture)).toEqual([
      { file: 'outcomes/fixture.ts', line: 3, table: 'contracts', owner: 'contracts' },
      { file: 'outcomes/fixture.ts', line: 3, table: 'invoices', owner: 'invoicing' },
    ]);
    expect(trespasses('contracts/fixture.ts', 'contracts', 'SELECT 1 FROM contracts c')).toEqual([]);
    // TypeScript `import ... from './x'` is not SQL: a quoted path is not a table name.
    expect(trespasses('outcomes/fixture.ts', 'outcomes', "import { x } from '../invoices';")).toEqual([]);
  });
});
