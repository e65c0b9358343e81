import type { EntityManager } from 'typeorm';

/**
 * What a repository needs of the database: `query(sql, params)`. A transaction's EntityManager,
 * a snapshot's QueryRunner manager and the SQL snapshot tests' recorder all are one.
 */
export type Queryable = Pick<EntityManager, 'query'>;

/** Numbered SQL parameters: `ps.add(v)` → `$n`. */
export class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/** One page of a keyset scan that fetched `limit + 1` rows newest first: the page and whether more follow. */
export function pageOf<T>(rows: T[], limit: number): { rows: T[]; more: boolean } {
  return rows.length > limit ? { rows: rows.slice(0, limit), more: true } : { rows, more: false };
}

/** A timestamptz column as ISO 8601 UTC text with milliseconds (`isoUtc(col, 'US')`: microseconds), as documents print it. */
export function isoUtc(col: string, precision: 'MS' | 'US' = 'MS'): string {
  return `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.${precision}"Z"')`;
}
