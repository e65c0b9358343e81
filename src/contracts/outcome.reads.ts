import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { type Scope, scopeSql, type ScopeColumns } from '../auth/scope';
import type { Terms } from '../pricing/types';

/** How a scope filters `contracts c`. */
export const CONTRACT_SCOPE: ScopeColumns = { vendorId: 'c.vendor_id', contractId: 'c.id', customerId: 'c.customer_id' };

/**
 * A column of the contract a row of another domain hangs off, as a scalar subquery: the customer
 * for a scope filter, the timezone for local-month bounds. Other domains' SQL names `contracts`
 * only through this.
 */
export function contractColumnSql(column: 'customer_id' | 'timezone', ref: { vendorId: string; contractId: string }): string {
  return `(SELECT c.${column} FROM contracts c WHERE c.vendor_id = ${ref.vendorId} AND c.id = ${ref.contractId})`;
}

/** One contract and its terms versions, newest first: what recording and disputes check an outcome against. */
export interface ContractTermsRow {
  id: string;
  customer_id: string;
  currency: string;
  timezone: string;
  starts_on: string;
  ends_on: string | null;
  versions: Array<{ effectiveFrom: string; document: Terms }>;
  /** Everything above that recording checks an outcome against, as one text (`contractStampSql`). */
  stamp: string;
}

/**
 * What recording reads of a contract, as one text: the customer (scope), currency, timezone, dates,
 * and the newest terms version (versions are append-only and numbered, so a new one changes it).
 * A copy of a contract kept by another domain is current exactly while its stamp equals this.
 */
function contractStampSql(c: string): string {
  return `concat_ws('|', ${c}.customer_id, ${c}.currency, ${c}.timezone, ${c}.starts_on, coalesce(${c}.ends_on::text, '-'),
            (SELECT max(tv.version) FROM terms_versions tv WHERE tv.vendor_id = ${c}.vendor_id AND tv.contract_id = ${c}.id))`;
}

/**
 * A boolean SQL expression: every listed contract is still seen by the scope and still has the
 * stamp it had when read. A statement that writes against a kept copy of contracts guards itself
 * with it, so the copy saves the read without ever being acted on stale (parameters appended to `params`).
 */
export function contractsUnchangedSql(scope: Scope, contracts: ReadonlyArray<{ id: string; stamp: string }>, params: unknown[]): string {
  const ids = `$${params.push(contracts.map((c) => c.id))}::uuid[]`;
  const stamps = `$${params.push(contracts.map((c) => c.stamp))}::text[]`;
  return `((SELECT count(*) FROM unnest(${ids}, ${stamps}) AS kept(id, stamp)
            JOIN contracts c ON c.id = kept.id AND ${contractStampSql('c')} = kept.stamp
           WHERE ${scopeSql(scope, CONTRACT_SCOPE, params)}) = cardinality(${ids}))`;
}

/** The outcomes domain's reads of contracts and terms versions. */
@Injectable()
export class OutcomeContractReads {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The listed contracts the scope sees, each with its terms versions (newest first). */
  async contractsWithTerms(scope: Scope, contractIds: readonly string[], em?: EntityManager): Promise<ContractTermsRow[]> {
    const params: unknown[] = [contractIds];
    return (em ?? this.db.manager).query(
      `SELECT c.id, c.customer_id, c.currency, c.timezone, c.starts_on::text AS starts_on, c.ends_on::text AS ends_on,
              json_agg(json_build_object('effectiveFrom', t.effective_from::text, 'document', t.document)
                       ORDER BY t.effective_from DESC) AS versions,
              ${contractStampSql('c')} AS stamp
         FROM contracts c
         JOIN terms_versions t ON t.vendor_id = c.vendor_id AND t.contract_id = c.id
        WHERE c.id = ANY($1::uuid[]) AND ${scopeSql(scope, CONTRACT_SCOPE, params)}
        GROUP BY c.vendor_id, c.id`,
      params,
    );
  }

  /** The timezone of each listed contract the scope sees, for the local time beside UTC instants. */
  async timezones(scope: Scope, contractIds: readonly string[], em?: EntityManager): Promise<Map<string, string>> {
    if (contractIds.length === 0) return new Map();
    const params: unknown[] = [contractIds];
    const rows: Array<{ id: string; timezone: string }> = await (em ?? this.db.manager).query(
      `SELECT c.id, c.timezone FROM contracts c WHERE c.id = ANY($1::uuid[]) AND ${scopeSql(scope, CONTRACT_SCOPE, params)}`,
      params,
    );
    return new Map(rows.map((r) => [r.id, r.timezone]));
  }
}
