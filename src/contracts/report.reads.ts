import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type Scope, scopeSql } from '../auth/scope';
import type { Terms } from '../pricing/types';
import { CONTRACT_SCOPE, contractColumnSql } from './outcome.reads';
import type { ValueBasisVersionRow } from './value-basis';

/** A contract as the reports read it. */
export interface ReportContractRow {
  id: string;
  name: string;
  customer_id: string;
  currency: string;
  timezone: string;
  starts_on: string;
  ends_on: string | null;
}

export interface ReportTermsRow {
  contract_id: string;
  effective_from: string;
  document: Terms;
}

/** The reports' reads of contracts and terms versions. */
@Injectable()
export class ContractReportReads {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The contracts the scope sees, optionally of one customer or a list, by id. */
  async contracts(scope: Scope, f: { customerId?: string; contractIds?: string[] }): Promise<ReportContractRow[]> {
    const params: unknown[] = [];
    const where = [scopeSql(scope, CONTRACT_SCOPE, params)];
    if (f.customerId) where.push(`c.customer_id = $${params.push(f.customerId)}`);
    if (f.contractIds) where.push(`c.id = ANY($${params.push(f.contractIds)}::uuid[])`);
    return this.db.query(
      `SELECT c.id, c.name, c.customer_id, c.currency, c.timezone, c.starts_on::text AS starts_on, c.ends_on::text AS ends_on
         FROM contracts c WHERE ${where.join(' AND ')} ORDER BY c.id`,
      params,
    );
  }

  /** Every terms version of the listed contracts the scope sees, oldest first per contract. */
  async termsVersions(scope: Scope, contractIds: string[]): Promise<ReportTermsRow[]> {
    const params: unknown[] = [contractIds];
    return this.db.query(
      `SELECT t.contract_id, t.effective_from::text AS effective_from, t.document FROM terms_versions t
        WHERE t.contract_id = ANY($1::uuid[])
          AND ${scopeSql(scope, { vendorId: 't.vendor_id', contractId: 't.contract_id', customerId: contractColumnSql('customer_id', { vendorId: 't.vendor_id', contractId: 't.contract_id' }) }, params)}
        ORDER BY t.contract_id, t.effective_from`,
      params,
    );
  }

  /** Every declared value basis version of the listed contracts the scope sees, oldest first per contract. */
  async valueBases(scope: Scope, contractIds: string[]): Promise<ValueBasisVersionRow[]> {
    const params: unknown[] = [contractIds];
    return this.db.query(
      `SELECT v.id, v.contract_id, v.effective_from::text AS effective_from, v.description, v.items FROM value_basis_versions v
        WHERE v.contract_id = ANY($1::uuid[])
          AND ${scopeSql(scope, { vendorId: 'v.vendor_id', contractId: 'v.contract_id', customerId: contractColumnSql('customer_id', { vendorId: 'v.vendor_id', contractId: 'v.contract_id' }) }, params)}
        ORDER BY v.contract_id, v.effective_from`,
      params,
    );
  }
}
