import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type Scope, scopeSql } from '../auth/scope';
import type { Queryable } from '../common/sql';
import { contractColumnSql } from './outcome.reads';
import type { ValueBasisItem } from './value-basis';

export interface ValueBasisVersionRecord {
  id: string;
  contract_id: string;
  effective_from: string;
  description: string | null;
  items: ValueBasisItem[];
  created_at: string;
}

const COLS = `v.id, v.contract_id, v.effective_from::text AS effective_from, v.description, v.items,
  to_char(v.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at`;

/** The only SQL over `value_basis_versions`: insert and read, never update or delete (append-only). */
@Injectable()
export class ValueBasisRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private scoped(scope: Scope, params: unknown[]): string {
    return scopeSql(scope, { vendorId: 'v.vendor_id', contractId: 'v.contract_id', customerId: contractColumnSql('customer_id', { vendorId: 'v.vendor_id', contractId: 'v.contract_id' }) }, params);
  }

  /** Every version of the listed contracts the scope sees, oldest first per contract. */
  async versions(scope: Scope, contractIds: readonly string[], em: Queryable = this.db.manager): Promise<ValueBasisVersionRecord[]> {
    const params: unknown[] = [contractIds];
    return em.query(
      `SELECT ${COLS} FROM value_basis_versions v
        WHERE v.contract_id = ANY($1::uuid[]) AND ${this.scoped(scope, params)}
        ORDER BY v.contract_id, v.effective_from`,
      params,
    );
  }

  async insert(
    scope: Scope,
    v: { contractId: string; effectiveFrom: string; description: string | null; items: ValueBasisItem[]; keyId: string | null },
    em: Queryable = this.db.manager,
  ): Promise<ValueBasisVersionRecord> {
    const [row] = await em.query(
      `WITH v AS (
         INSERT INTO value_basis_versions (vendor_id, contract_id, effective_from, description, items, created_by_key_id)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6) RETURNING *)
       SELECT ${COLS} FROM v`,
      [scope.vendorId, v.contractId, v.effectiveFrom, v.description, JSON.stringify(v.items), v.keyId],
    );
    return row;
  }
}
