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
  /**
   * When the outcomes the range adds besides its own dates (the measurements, `alsoBilled`)
   * occurred, earliest and latest (`extrasOccurrence`); null: there are none. Given, the reads
   * prune the partitions of other months; absent, they read every month for them.
   */
  extrasOccurred?: { from: string; to: string } | null;
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
    // The local dates as instants, earliest start and latest end over the contracts' timezones:
    // a range of occurred_at (constant once bound) that partition pruning can use.
    const zones = [...new Set(f.contracts.map((c) => c.timezone))].map((z) => ps.add(z));
    const inRange = [
      ...(f.fromDate !== null && zones.length ? [`o.occurred_at >= least(${zones.map((z) => `(${from}::date::timestamp AT TIME ZONE ${z})`).join(', ')})`] : []),
      ...(f.toEnd !== null && zones.length ? [`o.occurred_at < greatest(${zones.map((z) => `(${to}::date::timestamp AT TIME ZONE ${z})`).join(', ')})`] : []),
      `(${from}::date IS NULL OR ${day} >= ${from}::date) AND (${to}::date IS NULL OR ${day} < ${to}::date)`,
    ].join(' AND ');
    if (f.extrasOccurred === null) return `${scoped} AND ${inRange}`;
    const extras = `(o.id = ANY(${ps.add(f.measurementIds)}::uuid[]) OR ${f.alsoBilled(ps)})`;
    const extrasWhen = f.extrasOccurred
      ? `o.occurred_at >= ${ps.add(f.extrasOccurred.from)}::timestamptz AND o.occurred_at <= ${ps.add(f.extrasOccurred.to)}::timestamptz AND `
      : '';
    return `${scoped} AND ((${inRange}) OR (${extrasWhen}${extras}))`;
  }

  /**
   * When the range's extra outcomes occurred (see `EvidenceOutcomeFilter.extrasOccurred`): the
   * measurements and the outcomes of `billedIds` (a set of outcome ids, SQL from invoicing), read
   * through their keys (one probe each); null when there are none among the contracts.
   */
  async extrasOccurrence(
    scope: Scope,
    f: Pick<EvidenceOutcomeFilter, 'contracts' | 'measurementIds'>,
    billedIds: (ps: Params) => string,
    em: Queryable = this.db.manager,
  ): Promise<{ from: string; to: string } | null> {
    const ps = new Params();
    const [r]: Array<{ from: string | null; to: string | null }> = await em.query(
      `SELECT ${isoUtc('min(k.occurred_at)', 'US')} AS "from", ${isoUtc('max(k.occurred_at)', 'US')} AS "to"
         FROM (SELECT unnest(${ps.add(f.measurementIds)}::uuid[]) AS id UNION ALL ${billedIds(ps)}) x
         JOIN outcome_keys k ON k.vendor_id = ${ps.add(scope.vendorId)}::uuid AND k.id = x.id
        WHERE k.contract_id = ANY(${ps.add(f.contracts.map((c) => c.id))}::uuid[])`,
      ps.values,
    );
    return r?.from && r.to ? { from: r.from, to: r.to } : null;
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
