import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scope, scopeSql } from '../auth/scope';
import { Money } from '../common/money';
import { Params, Queryable } from '../common/sql';
import type { Terms } from '../pricing/types';
import type { BillingCycle, Contract, ContractStatus } from './entities/contract.entity';
import type { TermsVersion } from './entities/terms-version.entity';

/**
 * The one SQL statement of "the terms version in force": the version of the contract with the
 * latest `effective_from` on or before the local date `localDate` (an SQL date expression).
 * The same rule as `versionInForce` (src/pricing/terms-in-force.ts) for SQL that picks a version
 * inside a larger statement (an aggregate over outcomes, say); `t` names the chosen row.
 */
export function termsInForceSql(vendorIdCol: string, contractIdCol: string, localDate: string, columns = 't.*'): string {
  return `(SELECT ${columns} FROM terms_versions t
            WHERE t.vendor_id = ${vendorIdCol} AND t.contract_id = ${contractIdCol} AND t.effective_from <= ${localDate}
            ORDER BY t.effective_from DESC LIMIT 1)`;
}

const CONTRACT_COLS = `c.vendor_id AS "vendorId", c.id, c.customer_id AS "customerId", c.name, c.currency, c.timezone,
       c.tax_rate::text AS "taxRate", c.starts_on::text AS "startsOn", c.ends_on::text AS "endsOn",
       c.billing_cycle AS "billingCycle", c.status, c.po_reference AS "poReference",
       c.payment_terms_days AS "paymentTermsDays", c.created_at AS "createdAt", c.updated_at AS "updatedAt"`;

const TERMS_COLS = `t.vendor_id AS "vendorId", t.id, t.contract_id AS "contractId", t.version,
       t.effective_from::text AS "effectiveFrom", t.document, t.document_sha256 AS "documentSha256", t.created_at AS "createdAt"`;

/** `numeric` as the entity gives it: the shortest exact decimal string. */
const contractOf = (r: Contract): Contract => ({ ...r, taxRate: new Money(r.taxRate).toFixed() });

/** Contracts in a scope: a customer sees its own, an auditor its granted ones. */
function contractScope(scope: Scope, ps: Params): string {
  return scopeSql(scope, { vendorId: 'c.vendor_id', contractId: 'c.id', customerId: 'c.customer_id' }, ps.values);
}

/** Terms versions follow their contract's scope. */
function termsScope(scope: Scope, ps: Params): string {
  return scopeSql(
    scope,
    {
      vendorId: 't.vendor_id',
      contractId: 't.contract_id',
      customerId: '(SELECT c.customer_id FROM contracts c WHERE c.vendor_id = t.vendor_id AND c.id = t.contract_id)',
    },
    ps.values,
  );
}

export interface NewContract {
  customerId: string;
  name: string;
  currency: string;
  timezone: string;
  taxRate: string;
  startsOn: string;
  endsOn: string | null;
  billingCycle: BillingCycle;
  status: ContractStatus;
  poReference: string | null;
  paymentTermsDays: number;
}

/** The only code that speaks SQL to `contracts` and `terms_versions`. */
@Injectable()
export class ContractsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async find(scope: Scope, id: string, opts: { lock?: boolean } = {}, em: Queryable = this.db.manager): Promise<Contract | null> {
    const ps = new Params();
    const where = contractScope(scope, ps);
    const [row] = await em.query(
      `SELECT ${CONTRACT_COLS} FROM contracts c WHERE ${where} AND c.id = ${ps.add(id)}${opts.lock ? ' FOR UPDATE' : ''}`,
      ps.values,
    );
    return row ? contractOf(row) : null;
  }

  /** The contracts of the scope (those among `ids` when given), in id order. */
  async findMany(scope: Scope, ids: readonly string[] | null, em: Queryable = this.db.manager): Promise<Contract[]> {
    const ps = new Params();
    const where = contractScope(scope, ps);
    const rows: Contract[] = await em.query(
      `SELECT ${CONTRACT_COLS} FROM contracts c WHERE ${where}${ids ? ` AND c.id = ANY(${ps.add(ids)}::uuid[])` : ''} ORDER BY c.id`,
      ps.values,
    );
    return rows.map(contractOf);
  }

  /** Newest first, keyset on the id; `limit + 1` rows so the caller knows whether more follow. */
  async list(
    scope: Scope,
    q: { customerId?: string; status?: ContractStatus; before?: string; limit: number },
    em: Queryable = this.db.manager,
  ): Promise<Contract[]> {
    const ps = new Params();
    const where = [contractScope(scope, ps)];
    if (q.customerId) where.push(`c.customer_id = ${ps.add(q.customerId)}`);
    if (q.status) where.push(`c.status = ${ps.add(q.status)}`);
    if (q.before) where.push(`c.id < ${ps.add(q.before)}`);
    const rows: Contract[] = await em.query(
      `SELECT ${CONTRACT_COLS} FROM contracts c WHERE ${where.join(' AND ')} ORDER BY c.id DESC LIMIT ${ps.add(q.limit + 1)}`,
      ps.values,
    );
    return rows.map(contractOf);
  }

  /** The ids among `ids` that exist in the scope. */
  async existing(scope: Scope, ids: readonly string[], em: Queryable = this.db.manager): Promise<string[]> {
    const ps = new Params();
    const where = contractScope(scope, ps);
    const rows: Array<{ id: string }> = await em.query(
      `SELECT c.id FROM contracts c WHERE ${where} AND c.id = ANY(${ps.add(ids)}::uuid[]) ORDER BY c.id`,
      ps.values,
    );
    return rows.map((r) => r.id);
  }

  /** Contracts to bill for a period: active ones, and terminated ones whose dates still overlap it. */
  async billable(
    scope: Scope,
    q: { billingCycle: BillingCycle; start: string; end: string; ids: readonly string[] | null },
    em: Queryable = this.db.manager,
  ): Promise<Contract[]> {
    const ps = new Params();
    const where = [
      contractScope(scope, ps),
      `c.billing_cycle = ${ps.add(q.billingCycle)}`,
      `(c.status = 'active' OR (c.status = 'terminated' AND c.ends_on IS NOT NULL))`,
      `c.starts_on < ${ps.add(q.end)} AND (c.ends_on IS NULL OR c.ends_on >= ${ps.add(q.start)})`,
    ];
    if (q.ids) where.push(`c.id = ANY(${ps.add(q.ids)}::uuid[])`);
    const rows: Contract[] = await em.query(`SELECT ${CONTRACT_COLS} FROM contracts c WHERE ${where.join(' AND ')} ORDER BY c.id`, ps.values);
    return rows.map(contractOf);
  }

  /**
   * The contracts a billing run considers, each with why it is not billable in the period (null:
   * billable; the same rule as `billable`). Named contracts are all considered; a vendor-wide run
   * considers those of the cycle not ended before the period, so long-ended contracts do not
   * crowd every run's answer.
   */
  async billingCandidates(
    scope: Scope,
    q: { billingCycle: BillingCycle; start: string; end: string; ids: readonly string[] | null },
    em: Queryable = this.db.manager,
  ): Promise<Array<{ contract: Contract; skip: string | null }>> {
    const ps = new Params();
    const cycle = ps.add(q.billingCycle);
    const start = ps.add(q.start);
    const end = ps.add(q.end);
    const where = [contractScope(scope, ps)];
    if (q.ids) where.push(`c.id = ANY(${ps.add(q.ids)}::uuid[])`);
    else where.push(`c.billing_cycle = ${cycle}`, `(c.ends_on IS NULL OR c.ends_on >= ${start})`);
    const rows: Array<Contract & { skip: string | null }> = await em.query(
      `SELECT ${CONTRACT_COLS},
              CASE WHEN c.billing_cycle <> ${cycle} THEN 'BILLING_CYCLE_MISMATCH'
                   WHEN NOT (c.status = 'active' OR (c.status = 'terminated' AND c.ends_on IS NOT NULL)) THEN 'CONTRACT_NOT_ACTIVE'
                   WHEN c.starts_on >= ${end} THEN 'CONTRACT_NOT_STARTED'
                   WHEN c.ends_on IS NOT NULL AND c.ends_on < ${start} THEN 'CONTRACT_ENDED'
              END AS skip
         FROM contracts c WHERE ${where.join(' AND ')} ORDER BY c.id`,
      ps.values,
    );
    return rows.map(({ skip, ...c }) => ({ contract: contractOf(c as Contract), skip }));
  }

  async insert(scope: Scope, c: NewContract, em: Queryable = this.db.manager): Promise<Contract> {
    const [row] = await em.query(
      `INSERT INTO contracts (vendor_id, customer_id, name, currency, timezone, tax_rate, starts_on, ends_on, billing_cycle, status,
                             po_reference, payment_terms_days)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       RETURNING ${CONTRACT_COLS.replace(/\bc\./g, '')}`,
      [scope.vendorId, c.customerId, c.name, c.currency, c.timezone, c.taxRate, c.startsOn, c.endsOn, c.billingCycle, c.status,
       c.poReference, c.paymentTermsDays],
    );
    return contractOf(row);
  }

  /** Sets the PO/reference and the payment terms; later invoices carry them, finalized ones keep theirs. */
  async setBillingTerms(scope: Scope, id: string, change: { poReference?: string | null; paymentTermsDays?: number }, em: Queryable = this.db.manager): Promise<void> {
    const ps = new Params();
    const where = contractScope(scope, ps);
    const sets = ['updated_at = now()'];
    if (change.poReference !== undefined) sets.push(`po_reference = ${ps.add(change.poReference)}`);
    if (change.paymentTermsDays !== undefined) sets.push(`payment_terms_days = ${ps.add(change.paymentTermsDays)}`);
    await em.query(`UPDATE contracts c SET ${sets.join(', ')} WHERE ${where} AND c.id = ${ps.add(id)}`, ps.values);
  }

  /** A status move (and the end date it sets); the caller checked the transition on the locked row. */
  async setStatus(scope: Scope, id: string, status: ContractStatus, endsOn: string | null, em: Queryable = this.db.manager): Promise<void> {
    const ps = new Params();
    const where = contractScope(scope, ps);
    await em.query(
      `UPDATE contracts c SET status = ${ps.add(status)}, ends_on = ${ps.add(endsOn)}, updated_at = now() WHERE ${where} AND c.id = ${ps.add(id)}`,
      ps.values,
    );
  }

  // -------------------------------------------------------------------------------------------
  // Terms versions (immutable: inserted, never updated)

  /** The versions of the contracts, in contract and version order; `latestOnly` keeps each contract's newest. */
  async termsVersions(
    scope: Scope,
    contractIds: readonly string[],
    opts: { latestOnly?: boolean } = {},
    em: Queryable = this.db.manager,
  ): Promise<TermsVersion[]> {
    const ps = new Params();
    const where = termsScope(scope, ps);
    return em.query(
      `SELECT ${opts.latestOnly ? 'DISTINCT ON (t.contract_id) ' : ''}${TERMS_COLS} FROM terms_versions t
        WHERE ${where} AND t.contract_id = ANY(${ps.add(contractIds)}::uuid[])
        ORDER BY t.contract_id, t.version${opts.latestOnly ? ' DESC' : ''}`,
      ps.values,
    );
  }

  /** The version in force on a local date (see `termsInForceSql`). */
  async termsInForce(scope: Scope, contractId: string, localDate: string, em: Queryable = this.db.manager): Promise<TermsVersion | null> {
    return this.inForce(scope, contractId, (ps) => `${ps.add(localDate)}::date`, em);
  }

  private async inForce(scope: Scope, contractId: string, day: (ps: Params) => string, em: Queryable): Promise<TermsVersion | null> {
    const ps = new Params();
    const where = termsScope(scope, ps);
    const [row] = await em.query(
      `SELECT ${TERMS_COLS} FROM ${termsInForceSql(ps.add(scope.vendorId), ps.add(contractId), day(ps))} t WHERE ${where}`,
      ps.values,
    );
    return row ?? null;
  }

  async termsVersionEffectiveOn(scope: Scope, contractId: string, effectiveFrom: string, em: Queryable = this.db.manager): Promise<TermsVersion | null> {
    const ps = new Params();
    const where = termsScope(scope, ps);
    const [row] = await em.query(
      `SELECT ${TERMS_COLS} FROM terms_versions t WHERE ${where} AND t.contract_id = ${ps.add(contractId)} AND t.effective_from = ${ps.add(effectiveFrom)}`,
      ps.values,
    );
    return row ?? null;
  }

  async insertTermsVersion(
    scope: Scope,
    v: { contractId: string; version: number; effectiveFrom: string; document: Terms; documentSha256: string },
    em: Queryable = this.db.manager,
  ): Promise<TermsVersion> {
    const [row] = await em.query(
      `INSERT INTO terms_versions (vendor_id, contract_id, version, effective_from, document, document_sha256)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6)
       RETURNING ${TERMS_COLS.replace(/\bt\./g, '')}`,
      [scope.vendorId, v.contractId, v.version, v.effectiveFrom, JSON.stringify(v.document), v.documentSha256],
    );
    return row;
  }
}
