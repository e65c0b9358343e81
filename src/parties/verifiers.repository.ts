import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { type Scope, scopeSql, type ScopeColumns } from '../auth/scope';

/** A `verifiers` row as PostgreSQL returns it. */
export interface VerifierRow {
  vendor_id: string;
  id: string;
  key: string;
  name: string;
  created_at: Date;
}

const COLUMNS = 'v.vendor_id, v.id, v.key, v.name, v.created_at';
/** Verifiers are the vendor's parties: the vendor is the whole scope (only its keys reach them). */
const VERIFIER_SCOPE: ScopeColumns = { vendorId: 'v.vendor_id' };

/** The only code that speaks SQL to `verifiers`. Rows are never changed: terms name them. */
@Injectable()
export class VerifiersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(scope: Scope, v: { key: string; name: string }, em?: EntityManager): Promise<VerifierRow | null> {
    const rows: VerifierRow[] = await (em ?? this.db.manager).query(
      `INSERT INTO verifiers AS v (vendor_id, key, name) VALUES ($1, $2, $3)
       ON CONFLICT (vendor_id, key) DO NOTHING RETURNING ${COLUMNS}`,
      [scope.vendorId, v.key, v.name],
    );
    return rows[0] ?? null;
  }

  async list(scope: Scope): Promise<VerifierRow[]> {
    const params: unknown[] = [];
    return this.db.query(`SELECT ${COLUMNS} FROM verifiers v WHERE ${scopeSql(scope, VERIFIER_SCOPE, params)} ORDER BY v.key`, params);
  }

  async findOne(scope: Scope, id: string, em?: EntityManager): Promise<VerifierRow | null> {
    const params: unknown[] = [id];
    const rows: VerifierRow[] = await (em ?? this.db.manager).query(
      `SELECT ${COLUMNS} FROM verifiers v WHERE v.id = $1 AND ${scopeSql(scope, VERIFIER_SCOPE, params)}`,
      params,
    );
    return rows[0] ?? null;
  }

  /** The verifiers that terms name by key or by id (terms may use either). */
  async findByKeysOrIds(scope: Scope, refs: readonly string[], em?: EntityManager): Promise<VerifierRow[]> {
    if (refs.length === 0) return [];
    const params: unknown[] = [refs];
    return (em ?? this.db.manager).query(
      `SELECT ${COLUMNS} FROM verifiers v
        WHERE (v.key = ANY($1::text[]) OR v.id::text = ANY($1::text[])) AND ${scopeSql(scope, VERIFIER_SCOPE, params)}`,
      params,
    );
  }
}
