// For SQL snapshot specs (unit, no database): a DataSource / EntityManager stand-in that records
// each statement and its parameters and answers with a canned result, so that a repository
// method's generated SQL can be read, reviewed and pinned with toMatchSnapshot.
import type { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../../src/auth/principal';
import { type Scope, scopeOf, vendorScope } from '../../src/auth/scope';

export interface RecordedQuery {
  sql: string;
  params: unknown[];
}

/** What the stand-in answers: enough shape for a method to finish (one row of arrays, an UPDATE's [rows, count]). */
function cannedAnswer(sql: string): unknown {
  if (/^\s*UPDATE\b/i.test(sql)) return [[{ id: 'x', vendor_id: 'v' }], 1];
  if (/count\(\*\)::int AS n/i.test(sql)) return [{ n: 1 }];
  if (/WITH input AS/.test(sql)) return [{ ids: [], contract_ids: [], external_ids: [], at: new Date(0) }];
  return [];
}

export function sqlRecorder() {
  const calls: RecordedQuery[] = [];
  const query = async (sql: string, params: unknown[] = []) => {
    calls.push({ sql, params });
    return cannedAnswer(sql);
  };
  const manager = { query };
  // The pool, for statements sent as named prepared statements (src/database/prepared-query.ts).
  const master = { query: async (q: { text: string; values: unknown[] }) => ({ rows: await query(q.text, q.values) }) };
  const db = { query, manager, driver: { master }, transaction: async <T>(work: (em: unknown) => Promise<T>) => work(manager) };
  return {
    db: db as unknown as DataSource,
    em: manager as unknown as EntityManager,
    /** The statements recorded since the last call, as text: SQL dedented, then its numbered parameters. */
    take(): string {
      const text = calls.map(render).join('\n\n');
      calls.length = 0;
      return text;
    },
  };
}

function render(q: RecordedQuery): string {
  const lines = q.sql.split('\n');
  const indent = Math.min(...lines.slice(1).filter((l) => l.trim()).map((l) => l.match(/^ */)![0].length), Infinity);
  const sql = [lines[0].trim(), ...lines.slice(1).map((l) => (Number.isFinite(indent) ? l.slice(indent) : l).trimEnd())].join('\n');
  const params = q.params.map((p, i) => `-- $${i + 1} = ${JSON.stringify(p)}`).join('\n');
  return params ? `${sql}\n${params}` : sql;
}

const VENDOR = '00000000-0000-7000-8000-00000000000a';
export const FIXED = {
  vendorId: VENDOR,
  customerId: '00000000-0000-7000-8000-0000000000c1',
  contractIds: ['00000000-0000-7000-8000-0000000000b1', '00000000-0000-7000-8000-0000000000b2'],
  keyId: '00000000-0000-7000-8000-0000000000f1',
  id: '00000000-0000-7000-8000-000000000001',
};

const principal = (p: Partial<Principal>): Principal => ({
  vendorId: VENDOR,
  keyId: FIXED.keyId,
  role: 'vendor_admin',
  customerId: null,
  contractIds: null,
  ...p,
});

/** One fixed scope of each kind a repository method is called with. */
export const SCOPES: Record<string, Scope> = {
  'vendor admin': scopeOf(principal({})),
  customer: scopeOf(principal({ role: 'customer', customerId: FIXED.customerId })),
  'auditor with a grant': scopeOf(principal({ role: 'auditor', contractIds: FIXED.contractIds })),
  system: vendorScope(VENDOR),
};

/** The SQL a call generates under each scope, one block per scope: what a snapshot pins. */
export async function sqlPerScope(rec: ReturnType<typeof sqlRecorder>, call: (scope: Scope) => Promise<unknown>, scopes = Object.keys(SCOPES)): Promise<string> {
  const out: string[] = [];
  for (const name of scopes) {
    await call(SCOPES[name]);
    out.push(`-- scope: ${name}\n${rec.take()}`);
  }
  return `\n${out.join('\n\n')}\n`;
}
