import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scope, scopeSql, vendorScope } from '../auth/scope';
import { Params, Queryable } from '../common/sql';
import { CONTRACTED_CUSTOMERS, type ContractedCustomers, customerScopeColumns } from './customer-scope';

/**
 * What contracts, invoice documents and audit read of parties: whether a customer exists, the
 * names printed on documents, the vendor's public signing key. Written for src/contracts,
 * src/invoicing and src/audit (helper B2); parties owns it.
 */
@Injectable()
export class PartyNamesReads {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(CONTRACTED_CUSTOMERS) private readonly contracted: ContractedCustomers,
  ) {}

  async customerExists(scope: Scope, customerId: string, em: Queryable = this.db.manager): Promise<boolean> {
    const ps = new Params();
    const where = customerScope(scope, ps, this.contracted);
    const rows = await em.query(`SELECT 1 FROM customers cu WHERE ${where} AND cu.id = ${ps.add(customerId)}`, ps.values);
    return rows.length > 0;
  }

  /** Names by customer id, for the customers among `ids` in the scope. */
  async customerNames(scope: Scope, ids: readonly string[], em: Queryable = this.db.manager): Promise<Map<string, string>> {
    const ps = new Params();
    const where = customerScope(scope, ps, this.contracted);
    const rows: Array<{ id: string; name: string }> = await em.query(
      `SELECT cu.id, cu.name FROM customers cu WHERE ${where} AND cu.id = ANY(${ps.add(ids)}::uuid[])`,
      ps.values,
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Seller and buyer as printed on an invoice: legal entity, address, tax id, bank, contact, locale. */
  async documentParties(scope: Scope, customerId: string, em: Queryable = this.db.manager): Promise<DocumentParties | null> {
    const ps = new Params();
    const where = customerScope(scope, ps, this.contracted);
    const [row] = await em.query(
      `SELECT v.name AS vendor_name, v.legal_name AS vendor_legal_name, v.address AS vendor_address, v.tax_id AS vendor_tax_id,
              v.bank_account AS vendor_bank_account, v.contact AS vendor_contact,
              cu.name AS customer_name, cu.legal_name AS customer_legal_name, cu.address AS customer_address, cu.tax_id AS customer_tax_id,
              cu.contact AS customer_contact, cu.locale AS customer_locale
         FROM customers cu JOIN vendors v ON v.id = cu.vendor_id
        WHERE ${where} AND cu.id = ${ps.add(customerId)}`,
      ps.values,
    );
    if (!row) return null;
    return {
      seller: { name: row.vendor_name, legalName: row.vendor_legal_name, address: row.vendor_address, taxId: row.vendor_tax_id, bankAccount: row.vendor_bank_account, contact: row.vendor_contact },
      buyer: { name: row.customer_name, legalName: row.customer_legal_name, address: row.customer_address, taxId: row.customer_tax_id, bankAccount: null, contact: row.customer_contact },
      locale: row.customer_locale,
    };
  }

  async vendorName(scope: Scope, em: Queryable = this.db.manager): Promise<string | null> {
    const ps = new Params();
    // The vendor itself is visible to every key of the vendor.
    const where = scopeSql(vendorScope(scope.vendorId), { vendorId: 'v.id' }, ps.values);
    const [row] = await em.query(`SELECT v.name FROM vendors v WHERE ${where}`, ps.values);
    return row?.name ?? null;
  }

}

export interface DocumentParty {
  name: string;
  legalName: string | null;
  address: string | null;
  taxId: string | null;
  bankAccount: string | null;
  contact: string | null;
}

export interface DocumentParties {
  seller: DocumentParty;
  buyer: DocumentParty;
  locale: 'zh-CN' | 'en';
}

function customerScope(scope: Scope, ps: Params, contracted: ContractedCustomers): string {
  return scopeSql(scope, customerScopeColumns('cu', contracted), ps.values);
}
