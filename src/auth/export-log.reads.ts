import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Params, Queryable } from '../common/sql';
import { Scope, scopeSql, vendorScope } from './scope';

/** What the export log (src/audit) reads of API keys: their names. Written for src/audit (helper B2); auth owns it. */
@Injectable()
export class ApiKeyNamesReads {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Names by key id. A key's name labels who exported what in the vendor's log: whoever may read
   * a log row may read the name of the key that wrote it, so the vendor's keys are in scope.
   */
  async names(scope: Scope, ids: readonly string[], em: Queryable = this.db.manager): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const ps = new Params();
    const where = scopeSql(vendorScope(scope.vendorId), { vendorId: 'k.vendor_id' }, ps.values);
    const rows: Array<{ id: string; name: string }> = await em.query(
      `SELECT k.id, k.name FROM api_keys k WHERE ${where} AND k.id = ANY(${ps.add(ids)}::uuid[])`,
      ps.values,
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
