import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { ambientRunner } from './transaction-context';

/**
 * A statement sent as a named prepared statement: PostgreSQL parses and plans it once per
 * connection instead of on every call (for the recording insert, about a third of its server time).
 * Only on the pool's own connections: inside a transaction (`em`, or the request's ambient one) it
 * goes through TypeORM like any statement, so it joins that transaction. The name is the text's
 * hash, so two texts never share a name.
 */
export async function preparedQuery<T>(db: DataSource, em: EntityManager | undefined, text: string, values: unknown[]): Promise<T[]> {
  if (em || ambientRunner(db)) return (em ?? db.manager).query(text, values);
  const pool = (db.driver as unknown as { master: Pool }).master;
  const name = `ol_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
  return (await pool.query({ name, text, values })).rows as T[];
}
