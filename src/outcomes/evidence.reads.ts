import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scope, scopeSql } from '../auth/scope';
import { contractColumnSql } from '../contracts/outcome.reads';
import { isoUtc, Params, Queryable } from '../common/sql';
import { outcomeScope } from './billing.reads';


/**
 * Which outcomes an evidence bundle exports: those of its contracts, and when it has a range of
 * billing periods, those that occurred in it (contract-local dates), the named KPI measurements
 * and those that `alsoBilled` says an exported invoice billed (SQL from invoicing).
 */
export interface EvidenceOutcomeFilter {
  contracts: ReadonlyArray<{ id: string; timezone: string }>;
  fromDate: string | null;
  toEnd: string | null;
  measurementIds: readonly string[];
  alsoBilled: (ps: Params) => string;
}

/**
 * What the evidence bundle (src/audit) streams of outcomes, a keyset batch at a time (constant
 * memory whatever the number of outcomes), in the bundle's own text forms. Written for src/audit
 * (helper B2); outcomes owns it. Each method runs in the caller's snapshot (`em`).
 */
@Injectable()
export class OutcomeEvidenceReads {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private where(scope: Scope, ps: Params, f: EvidenceOutcomeFilter): string {
    const scoped = `${outcomeScope(scope, ps)} AND o.contract_id = ANY(${ps.add(f.contracts.map((c) => c.id))}::uuid[])`;
    // Without a range every outcome of the contracts is in: a plain keyset scan of outcomes_by_contract.
    if (f.fromDate === null && f.toEnd === null) return scoped;
    // The contract's timezone by position in the contract list: no join, the scan stays the same.
    const tz = `(${ps.add(f.contracts.map((c) => c.timezone))}::text[])[array_position(${ps.add(f.contracts.map((c) => c.id))}::uuid[], o.contract_id)]`;
    const day = `(o.occurred_at AT TIME ZONE ${tz})::date`;
    const from = ps.add(f.fromDate);
    const to = ps.add(f.toEnd);
    return `${scoped} AND (
          ((${from}::date IS NULL OR ${day} >= ${from}::date) AND (${to}::date IS NULL OR ${day} < ${to}::date))
          OR o.id = ANY(${ps.add(f.measurementIds)}::uuid[])
          OR ${f.alsoBilled(ps)})`;
  }

  async outcomeBatch(
    scope: Scope,
    f: EvidenceOutcomeFilter,
    after: string,
    limit: number,
    em: Queryable = this.db.manager,
  ): Promise<Array<Record<string, any>>> {
    const ps = new Params();
    const where = this.where(scope, ps, f);
    return em.query(
      `SELECT o.id, o.contract_id, o.external_id, o.type, trim_scale(o.quantity)::text AS quantity, trim_scale(o.value)::text AS value,
              ${isoUtc('o.occurred_at')} AS occurred_at, o.dimensions, o.evidence_sha256, o.evidence_uri, o.status,
              o.corrects_outcome_id, o.content_sha256, ${isoUtc('o.verified_at')} AS verified_at, ${isoUtc('o.created_at')} AS recorded_at
         FROM outcomes o
        WHERE ${where} AND o.id > ${ps.add(after)} ORDER BY o.id LIMIT ${limit}`,
      ps.values,
    );
  }

  /** The same outcomes' ids only (an index-only keyset scan). */
  async outcomeIdBatch(scope: Scope, f: EvidenceOutcomeFilter, after: string, limit: number, em: Queryable = this.db.manager): Promise<string[]> {
    const ps = new Params();
    const where = this.where(scope, ps, f);
    const rows: Array<{ id: string }> = await em.query(
      `SELECT o.id FROM outcomes o WHERE ${where} AND o.id > ${ps.add(after)} ORDER BY o.id LIMIT ${limit}`,
      ps.values,
    );
    return rows.map((r) => r.id);
  }

  /** The history of the outcomes: every event, in outcome and event order. */
  async events(scope: Scope, outcomeIds: readonly string[], em: Queryable = this.db.manager): Promise<Array<Record<string, any>>> {
    const ps = new Params();
    const where = scopeSql(
      scope,
      {
        vendorId: 'e.vendor_id',
        contractId: '(SELECT o.contract_id FROM outcomes o WHERE o.vendor_id = e.vendor_id AND o.id = e.outcome_id)',
        customerId: `(SELECT ${contractColumnSql('customer_id', { vendorId: 'o.vendor_id', contractId: 'o.contract_id' })} FROM outcomes o
                       WHERE o.vendor_id = e.vendor_id AND o.id = e.outcome_id)`,
      },
      ps.values,
    );
    return em.query(
      `SELECT e.outcome_id, e.id, e.from_status, e.to_status, e.actor_role, e.actor_key_id, e.reason, ${isoUtc('e.occurred_at')} AS occurred_at
         FROM outcome_events e WHERE ${where} AND e.outcome_id = ANY(${ps.add(outcomeIds)}::uuid[]) ORDER BY e.outcome_id, e.id`,
      ps.values,
    );
  }
}
