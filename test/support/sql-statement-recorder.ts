import { scopeOf, type Scope } from '../../src/auth/scope';
import type { Queryable } from '../../src/common/sql';

/** A statement as a repository sent it: its text (indentation folded) and parameters. */
export interface Recorded {
  sql: string;
  params: unknown[];
}

/**
 * A stand-in for the database that only records `(sql, params)` of each call, for the SQL
 * snapshot specs: a reviewer reads every statement a repository sends. It answers each call
 * with `reply` (default: no rows).
 */
export class SqlRecorder implements Queryable {
  calls: Recorded[] = [];
  reply: unknown[] = [];

  async query(sql: string, params: unknown[] = []): Promise<any> {
    this.calls.push({ sql: fold(sql), params: params.map(printable) });
    return this.reply;
  }

  /** The calls made by `f`, and forget them. */
  async record(f: () => Promise<unknown>): Promise<Recorded[]> {
    this.calls = [];
    await f();
    const out = this.calls;
    this.calls = [];
    return out;
  }

  /** What a repository constructor injects as its DataSource. */
  asDataSource(): any {
    return { manager: this, query: this.query.bind(this) };
  }
}

function fold(sql: string): string {
  return sql
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join('\n');
}

const printable = (v: unknown) => (v instanceof Date ? v.toISOString() : v);

export const VENDOR = '01900000-0000-7000-8000-00000000000a';
export const CUSTOMER = '01900000-0000-7000-8000-00000000000c';
export const CONTRACT = '01900000-0000-7000-8000-0000000000c1';
export const OTHER_CONTRACT = '01900000-0000-7000-8000-0000000000c2';
export const ID = '01900000-0000-7000-8000-0000000000f1';

/** One fixed scope of each kind a repository must filter for. */
export const SCOPES: Record<string, Scope> = {
  'vendor admin': scopeOf({ vendorId: VENDOR, keyId: ID, role: 'vendor_admin', customerId: null, contractIds: null }),
  customer: scopeOf({ vendorId: VENDOR, keyId: ID, role: 'customer', customerId: CUSTOMER, contractIds: null }),
  'auditor with a grant': scopeOf({ vendorId: VENDOR, keyId: ID, role: 'auditor', customerId: null, contractIds: [CONTRACT, OTHER_CONTRACT] }),
};

/** Runs `call` under every scope and returns the statements by scope name, for one snapshot. */
export async function underEveryScope(rec: SqlRecorder, call: (scope: Scope) => Promise<unknown>): Promise<Record<string, Recorded[]>> {
  const out: Record<string, Recorded[]> = {};
  for (const [name, scope] of Object.entries(SCOPES)) out[name] = await rec.record(() => call(scope));
  return out;
}

/** A row with the fields repositories read back from RETURNING and aggregates. */
export const ANY_ROW = {
  id: ID,
  n: '1',
  taxRate: '0.06',
  tax: '0',
  subtotal: '0',
  total: '0',
  amount: '0',
  by_line: {},
  last_end: null,
  billed: 0,
  reversed: 0,
  year: 2026,
  at: new Date(0),
  sequence: '0',
  hash: 'h',
};
