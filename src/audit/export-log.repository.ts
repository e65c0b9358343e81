import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scope, scopeSql } from '../auth/scope';
import { Params, Queryable } from '../common/sql';
import type { ExportFormat, ExportKind } from './dto/audit.dto';

export interface ExportLogRow {
  id: string;
  key_id: string;
  role: string;
  kind: ExportKind;
  format: ExportFormat;
  contract_id: string | null;
  customer_id: string | null;
  params: Record<string, unknown>;
  manifest_sha256: string | null;
  completed_at: Date | null;
  created_at: Date;
}

/**
 * The only code that speaks SQL to `export_log`. Append-only but for one change: a bundle's
 * manifest digest, written once when the manifest is. An auditor limited to contracts sees the
 * exports of those contracts, a customer its own.
 */
@Injectable()
export class ExportLogRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(
    scope: Scope,
    r: { keyId: string; role: string; kind: ExportKind; format: ExportFormat; contractId: string | null; customerId: string | null; params: unknown },
    em: Queryable = this.db.manager,
  ): Promise<string> {
    const [row] = await em.query(
      `INSERT INTO export_log (vendor_id, key_id, role, kind, format, contract_id, customer_id, params)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [scope.vendorId, r.keyId, r.role, r.kind, r.format, r.contractId, r.customerId, JSON.stringify(r.params ?? {})],
    );
    return row.id;
  }

  async complete(scope: Scope, id: string, manifestSha256: string, em: Queryable = this.db.manager): Promise<void> {
    const ps = new Params();
    const where = logScope(scope, ps);
    await em.query(
      `UPDATE export_log x SET manifest_sha256 = ${ps.add(manifestSha256)}, completed_at = clock_timestamp()
        WHERE ${where} AND x.id = ${ps.add(id)} AND x.completed_at IS NULL`,
      ps.values,
    );
  }

  /** Newest first, keyset on the id; `limit + 1` rows so the caller knows whether more follow. */
  async list(
    scope: Scope,
    q: { contractId?: string; kind?: ExportKind; before?: string; limit: number },
    em: Queryable = this.db.manager,
  ): Promise<ExportLogRow[]> {
    const ps = new Params();
    const where = [logScope(scope, ps)];
    if (q.contractId) where.push(`x.contract_id = ${ps.add(q.contractId)}`);
    if (q.kind) where.push(`x.kind = ${ps.add(q.kind)}`);
    if (q.before) where.push(`x.id < ${ps.add(q.before)}`);
    return em.query(
      `SELECT x.id, x.key_id, x.role, x.kind, x.format, x.contract_id, x.customer_id, x.params, x.manifest_sha256, x.completed_at, x.created_at
         FROM export_log x WHERE ${where.join(' AND ')} ORDER BY x.id DESC LIMIT ${ps.add(q.limit + 1)}`,
      ps.values,
    );
  }
}

function logScope(scope: Scope, ps: Params): string {
  return scopeSql(scope, { vendorId: 'x.vendor_id', contractId: 'x.contract_id', customerId: 'x.customer_id' }, ps.values);
}
