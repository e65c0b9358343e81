import { Injectable } from '@nestjs/common';
import { ApiKeyNamesReads } from '../auth/export-log.reads';
import type { Principal } from '../auth/principal';
import { scopeOf, vendorScope } from '../auth/scope';
import { decodeCursor, encodeCursor, Page } from '../common/http/pagination';
import { pageOf } from '../common/sql';
import { ExportLogRepository } from './export-log.repository';
import type { ExportFormat, ExportKind, ExportLogQuery, ExportLogView } from './dto/audit.dto';

export interface ExportRecord {
  kind: ExportKind;
  format: ExportFormat;
  contractId?: string | null;
  customerId?: string | null;
  params?: Record<string, unknown>;
}

/** Who exported what, and when: every statement, ROI report, portfolio and evidence bundle served. */
@Injectable()
export class ExportLogService {
  constructor(
    private readonly repo: ExportLogRepository,
    private readonly keys: ApiKeyNamesReads,
  ) {}

  async record(p: Principal, r: ExportRecord): Promise<string> {
    return this.repo.insert(scopeOf(p), {
      keyId: p.keyId,
      role: p.role,
      kind: r.kind,
      format: r.format,
      contractId: r.contractId ?? null,
      customerId: r.customerId ?? null,
      params: r.params ?? {},
    });
  }

  /** The one change the table allows: a bundle's manifest digest, once, when the manifest is written. */
  async complete(vendorId: string, id: string, manifestSha256: string): Promise<void> {
    await this.repo.complete(vendorScope(vendorId), id, manifestSha256);
  }

  /** Vendor admins see every export; an auditor limited to contracts sees the exports of those contracts. */
  async list(p: Principal, q: ExportLogQuery): Promise<Page<ExportLogView>> {
    const scope = scopeOf(p);
    const limit = q.limit ?? 50;
    const { rows: page, more } = pageOf(
      await this.repo.list(scope, { contractId: q.contractId, kind: q.kind, before: q.cursor ? decodeCursor(q.cursor) : undefined, limit }),
      limit,
    );
    const names = await this.keys.names(scope, [...new Set(page.map((r) => r.key_id))]);
    return {
      data: page.map((r) => ({
        id: r.id,
        keyId: r.key_id,
        keyName: names.get(r.key_id) ?? '',
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
