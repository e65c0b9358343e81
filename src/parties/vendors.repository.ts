import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type Scope, scopeSql } from '../auth/scope';

/** A `vendors` row without its private signing key (read only where a bundle is signed). */
export interface VendorRow {
  id: string;
  name: string;
  signing_public_key: string;
  created_at: Date;
}

const COLUMNS = 'v.id, v.name, v.signing_public_key, v.created_at';

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

  /** Every vendor, oldest first: the operator's command line only (no caller scope exists there). */
  listForOperator(): Promise<VendorRow[]> {
    return this.db.query(`SELECT ${COLUMNS} FROM vendors v ORDER BY v.id`);
  }
}
