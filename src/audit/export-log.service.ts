import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { decodeCursor, encodeCursor, Page } from '../common/http/pagination';
import type { ExportFormat, ExportKind, ExportLogQuery, ExportLogView } from './dto/audit.dto';

export interface ExportRecord {
  kind: ExportKind;
  format: ExportFormat;
  contractId?: string | null;
  customerId?: string | null;
  params?: Record<string, unknown>;
}

interface Row {
  id: string;
  key_id: string;
  key_name: string;
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

/** Who exported what, and when: every statement, ROI report, portfolio and evidence bundle served. */
@Injectable()
export class ExportLogService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async record(p: Principal, r: ExportRecord): Promise<string> {
    const [row] = await this.db.query(
      `INSERT INTO export_log (vendor_id, key_id, role, kind, format, contract_id, customer_id, params)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [p.vendorId, p.keyId, p.role, r.kind, r.format, r.contractId ?? null, r.customerId ?? null, JSON.stringify(r.params ?? {})],
    );
    return row.id;
  }

  /** The one change the table allows: a bundle's manifest digest, once, when the manifest is written. */
  async complete(vendorId: string, id: string, manifestSha256: string): Promise<void> {
    await this.db.query(
      `UPDATE export_log SET manifest_sha256 = $3, completed_at = clock_timestamp()
        WHERE vendor_id = $1 AND id = $2 AND completed_at IS NULL`,
      [vendorId, id, manifestSha256],
    );
  }

  /** Vendor admins see every export; an auditor limited to contracts sees the exports of those contracts. */
  async list(p: Principal, q: ExportLogQuery): Promise<Page<ExportLogView>> {
    const params: unknown[] = [p.vendorId];
    const where = ['x.vendor_id = $1'];
    const add = (sql: (n: string) => string, v: unknown) => {
      params.push(v);
      where.push(sql(`$${params.length}`));
    };
    if (p.role === 'auditor' && p.contractIds) add((n) => `x.contract_id = ANY(${n}::uuid[])`, p.contractIds);
    if (q.contractId) add((n) => `x.contract_id = ${n}`, q.contractId);
    if (q.kind) add((n) => `x.kind = ${n}`, q.kind);
    if (q.cursor) add((n) => `x.id < ${n}`, decodeCursor(q.cursor));
    const limit = q.limit ?? 50;
    const rows: Row[] = await this.db.query(
      `SELECT x.id, x.key_id, k.name AS key_name, x.role, x.kind, x.format, x.contract_id, x.customer_id, x.params,
              x.manifest_sha256, x.completed_at, x.created_at
         FROM export_log x JOIN api_keys k ON k.vendor_id = x.vendor_id AND k.id = x.key_id
        WHERE ${where.join(' AND ')} ORDER BY x.id DESC LIMIT ${limit + 1}`,
      params,
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return {
      data: page.map((r) => ({
        id: r.id,
        keyId: r.key_id,
        keyName: r.key_name,
        role: r.role,
        kind: r.kind,
        format: r.format,
        contractId: r.contract_id,
        customerId: r.customer_id,
        params: r.params,
        manifestSha256: r.manifest_sha256,
        completedAt: r.completed_at?.toISOString() ?? null,
        createdAt: r.created_at.toISOString(),
      })),
      nextCursor: more ? encodeCursor(page[page.length - 1].id) : null,
    };
  }
}
