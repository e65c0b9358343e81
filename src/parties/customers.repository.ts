import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { type Scope, scopeSql } from '../auth/scope';
import { decodeCursor } from '../common/http/pagination';
import { CONTRACTED_CUSTOMERS, type ContractedCustomers, customerScopeColumns } from './customer-scope';

/** A `customers` row as PostgreSQL returns it. */
export interface CustomerRow {
  vendor_id: string;
  id: string;
  name: string;
  reference: string | null;
  legal_name: string | null;
  address: string | null;
  tax_country: string | null;
  tax_id: string | null;
  contact: string | null;
  locale: CustomerLocale;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'c.vendor_id, c.id, c.name, c.reference, c.legal_name, c.address, c.tax_country, c.tax_id, c.contact, c.locale, c.created_at, c.updated_at';

export type CustomerLocale = 'zh-CN' | 'en';

/** The billing details printed on the customer's documents; undefined leaves a field as it is. */
export interface CustomerBillingDetails {
  legalName?: string | null;
  address?: string | null;
  taxCountry?: string | null;
  taxId?: string | null;
  contact?: string | null;
  locale?: CustomerLocale;
}

const BILLING_COLUMNS: Array<[keyof CustomerBillingDetails, string]> = [
  ['legalName', 'legal_name'],
  ['address', 'address'],
  ['taxCountry', 'tax_country'],
  ['taxId', 'tax_id'],
  ['contact', 'contact'],
  ['locale', 'locale'],
];


/** The only code that speaks SQL to `customers`. */
@Injectable()
export class CustomersRepository {
  private readonly scoped: ReturnType<typeof customerScopeColumns>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(CONTRACTED_CUSTOMERS) contracted: ContractedCustomers,
  ) {
    this.scoped = customerScopeColumns('c', contracted);
  }

  private q(em?: EntityManager) {
    return em ?? this.db.manager;
  }

  /** A new customer of the scope's vendor (only a vendor's own keys create customers). */
  async insert(scope: Scope, c: { name: string; reference: string | null } & CustomerBillingDetails, em?: EntityManager): Promise<CustomerRow> {
    const [row] = await this.q(em).query(
      `INSERT INTO customers AS c (vendor_id, name, reference, legal_name, address, tax_country, tax_id, contact, locale)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, 'en')) RETURNING ${COLUMNS}`,
      [scope.vendorId, c.name, c.reference, c.legalName ?? null, c.address ?? null, c.taxCountry ?? null, c.taxId ?? null, c.contact ?? null, c.locale ?? null],
    );
    return row;
  }

  /** One customer the scope sees, or null. */
  async findOne(scope: Scope, id: string, em?: EntityManager): Promise<CustomerRow | null> {
    const params: unknown[] = [id];
    const rows = await this.q(em).query(`SELECT ${COLUMNS} FROM customers c WHERE c.id = $1 AND ${scopeSql(scope, this.scoped, params)}`, params);
    return rows[0] ?? null;
  }

  /** Names of the listed customers the scope sees, by id (the reports' customer names). */
  async namesOf(scope: Scope, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const params: unknown[] = [ids];
    const rows: Array<{ id: string; name: string }> = await this.db.query(
      `SELECT c.id, c.name FROM customers c WHERE c.id = ANY($1::uuid[]) AND ${scopeSql(scope, this.scoped, params)}`,
      params,
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Keyset page over ids, newest first: `limit + 1` rows tell the caller whether there is more. */
  async page(scope: Scope, page: { limit: number; cursor?: string }): Promise<CustomerRow[]> {
    const params: unknown[] = [];
    const where = [scopeSql(scope, this.scoped, params)];
    if (page.cursor) where.push(`c.id < $${params.push(decodeCursor(page.cursor))}::uuid`);
    return this.db.query(`SELECT ${COLUMNS} FROM customers c WHERE ${where.join(' AND ')} ORDER BY c.id DESC LIMIT ${page.limit + 1}`, params);
  }

  /** Renames a customer the scope sees; null when it sees none. */
  async update(scope: Scope, id: string, change: { name?: string; reference?: string } & CustomerBillingDetails): Promise<CustomerRow | null> {
    const params: unknown[] = [id, change.name ?? null, change.reference !== undefined, change.reference ?? null];
    // Only the billing fields the change names are set (null clears one).
    const billing = BILLING_COLUMNS.filter(([k]) => change[k] !== undefined).map(([k, col]) => `, ${col} = $${params.push(change[k])}`).join('');
    const rows: [CustomerRow[], number] = await this.db.query(
      `UPDATE customers c SET name = coalesce($2, c.name), reference = CASE WHEN $3::boolean THEN $4 ELSE c.reference END${billing}, updated_at = now()
        WHERE c.id = $1 AND ${scopeSql(scope, this.scoped, params)} RETURNING ${COLUMNS}`,
      params,
    );
    return rows[0][0] ?? null;
  }
}
