import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type Scope, scopeSql } from '../auth/scope';

/** A `vendors` row without its private signing key (read only where a bundle is signed). */
export interface VendorRow {
  id: string;
  name: string;
  signing_public_key: string;
  legal_name: string | null;
  address: string | null;
  tax_country: string | null;
  tax_id: string | null;
  bank_account: string | null;
  contact: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The vendor's legal entity as printed on its documents; undefined leaves a field, null clears it. */
export interface VendorLegalEntity {
  legalName?: string | null;
  address?: string | null;
  taxCountry?: string | null;
  taxId?: string | null;
  bankAccount?: string | null;
  contact?: string | null;
}

const LEGAL_COLUMNS: Array<[keyof VendorLegalEntity, string]> = [
  ['legalName', 'legal_name'],
  ['address', 'address'],
  ['taxCountry', 'tax_country'],
  ['taxId', 'tax_id'],
  ['bankAccount', 'bank_account'],
  ['contact', 'contact'],
];

const COLUMNS = 'v.id, v.name, v.signing_public_key, v.legal_name, v.address, v.tax_country, v.tax_id, v.bank_account, v.contact, v.created_at, v.updated_at';

/**
 * Reads of `vendors`. A vendor is the tenant: a scope sees its own vendor row only. Creating a
 * vendor (with its signing key pair) stays in VendorsService.create.
 */
@Injectable()
export class VendorsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The scope's own vendor. */
  async findOne(scope: Scope): Promise<VendorRow | null> {
    const params: unknown[] = [];
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM vendors v WHERE ${scopeSql(scope, { vendorId: 'v.id' }, params)}`, params);
    return rows[0] ?? null;
  }

  /** Sets the named fields of the scope's own legal entity. */
  async updateLegalEntity(scope: Scope, change: VendorLegalEntity): Promise<VendorRow | null> {
    const params: unknown[] = [];
    const sets = LEGAL_COLUMNS.filter(([k]) => change[k] !== undefined).map(([k, col]) => `${col} = $${params.push(change[k])}`);
    const where = scopeSql(scope, { vendorId: 'v.id' }, params);
    const rows: [VendorRow[], number] = await this.db.query(
      `UPDATE vendors v SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE ${where} RETURNING ${COLUMNS}`,
      params,
    );
    return rows[0][0] ?? null;
  }

  /** Every vendor, oldest first: the operator's command line only (no caller scope exists there). */
  listForOperator(): Promise<VendorRow[]> {
    return this.db.query(`SELECT ${COLUMNS} FROM vendors v ORDER BY v.id`);
  }
}
