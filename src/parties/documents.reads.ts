import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scope, scopeSql, vendorScope } from '../auth/scope';
import { Params, Queryable } from '../common/sql';
import { customerScopeColumns } from './customer-scope';

/**
 * What contracts, invoice documents and audit read of parties: whether a customer exists, the
 * names printed on documents, the vendor's public signing key. Written for src/contracts,
 * src/invoicing and src/audit (helper B2); parties owns it.
 */
@Injectable()
export class PartyNamesReads {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async customerExists(scope: Scope, customerId: string, em: Queryable = this.db.manager): Promise<boolean> {
    const ps = new Params();
    const where = customerScope(scope, ps);
    const rows = await em.query(`SELECT 1 FROM customers cu WHERE ${where} AND cu.id = ${ps.add(customerId)}`, ps.values);
    return rows.length > 0;
  }

  /** Names by customer id, for the customers among `ids` in the scope. */
  async customerNames(scope: Scope, ids: readonly string[], em: Queryable = this.db.manager): Promise<Map<string, string>> {
    const ps = new Params();
    const where = customerScope(scope, ps);
    const rows: Array<{ id: string; name: string }> = await em.query(
      `SELECT cu.id, cu.name FROM customers cu WHERE ${where} AND cu.id = ANY(${ps.add(ids)}::uuid[])`,
      ps.values,
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  async vendorName(scope: Scope, em: Queryable = this.db.manager): Promise<string | null> {
    const ps = new Params();
    // The vendor itself is visible to every key of the vendor.
    const where = scopeSql(vendorScope(scope.vendorId), { vendorId: 'v.id' }, ps.values);
    const [row] = await em.query(`SELECT v.name FROM vendors v WHERE ${where}`, ps.values);
    return row?.name ?? null;
  }

}

function customerScope(scope: Scope, ps: Params): string {
  return scopeSql(scope, customerScopeColumns('cu'), ps.values);
}
