import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Role } from './entities/api-key.entity';
import { type Scope, scopeSql, type ScopeColumns } from './scope';

/** An `api_keys` row without its hash (the hash is only ever compared, by the guard). */
export interface ApiKeyRow {
  vendor_id: string;
  id: string;
  name: string;
  role: Role;
  customer_id: string | null;
  contract_ids: string[] | null;
  verifier_id: string | null;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const COLUMNS = 'k.vendor_id, k.id, k.name, k.role, k.customer_id, k.contract_ids, k.verifier_id, k.prefix, k.created_at, k.revoked_at, k.last_used_at';
/** Keys are the vendor's own business: only its admin keys reach them, so the vendor is the whole scope. */
const KEY_SCOPE: ScopeColumns = { vendorId: 'k.vendor_id' };

/**
 * The only code, besides the guard's lookup by hash (before any scope exists), that speaks SQL to
 * `api_keys`. Keys are never deleted: revoking stamps `revoked_at`.
 */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(
    scope: Scope,
    k: { name: string; role: Role; customerId: string | null; contractIds: string[] | null; verifierId?: string | null; prefix: string; keySha256: string },
    em?: EntityManager,
  ): Promise<ApiKeyRow> {
    const [row] = await (em ?? this.db.manager).query(
      `INSERT INTO api_keys AS k (vendor_id, name, role, customer_id, contract_ids, verifier_id, prefix, key_sha256)
       VALUES ($1, $2, $3, $4, $5::uuid[], $6, $7, $8) RETURNING ${COLUMNS}`,
      [scope.vendorId, k.name, k.role, k.customerId, k.contractIds, k.verifierId ?? null, k.prefix, k.keySha256],
    );
    return row;
  }

  async list(scope: Scope): Promise<ApiKeyRow[]> {
    const params: unknown[] = [];
    return this.db.query(`SELECT ${COLUMNS} FROM api_keys k WHERE ${scopeSql(scope, KEY_SCOPE, params)} ORDER BY k.id`, params);
  }

  /** Revokes a live key (a revoked one keeps its first `revoked_at`); null when the scope has no such key. */
  async revoke(scope: Scope, id: string): Promise<ApiKeyRow | null> {
    const params: unknown[] = [id];
    const rows: ApiKeyRow[] = await this.db.query(
      `WITH revoked AS (
         UPDATE api_keys k SET revoked_at = now() WHERE k.id = $1 AND k.revoked_at IS NULL AND ${scopeSql(scope, KEY_SCOPE, params)}
         RETURNING ${COLUMNS}
       )
       SELECT * FROM revoked
       UNION ALL
       SELECT ${COLUMNS} FROM api_keys k WHERE k.id = $1 AND ${scopeSql(scope, KEY_SCOPE, params)} AND NOT EXISTS (SELECT 1 FROM revoked)`,
      params,
    );
    return rows[0] ?? null;
  }
}
