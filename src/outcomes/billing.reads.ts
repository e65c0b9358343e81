import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scope, scopeSql } from '../auth/scope';
import { contractColumnSql } from '../contracts/outcome.reads';
import { Params, Queryable } from '../common/sql';

/**
 * What billing reads of outcomes, owned here so that only src/outcomes names the outcomes table.
 * Written for src/invoicing (helper B2). Billing aggregates in SQL and, when it finalizes, records
 * the very rows it aggregates in the same statement; so besides two plain reads this class hands
 * out the outcome parts of those statements as SQL text, which invoicing composes with its own
 * (invoice_outcomes) parts. The statements are the same as when they lived in one file.
 */
@Injectable()
export class OutcomeBillingReads {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The outcome columns an aggregate reads (of `o`). */
  static readonly COLUMNS = 'o.vendor_id, o.id, o.contract_id, o.type, o.quantity, o.value, o.dimensions, o.occurred_at';

  /**
   * `SELECT <columns> FROM outcomes o WHERE …`: a contract's verified outcomes of the given types
   * whose occurrence falls in a contract-local period; `andAlso(o)` adds the caller's predicate.
   */
  periodOutcomesSql(
    scope: Scope,
    ps: Params,
    q: { contractId: string; timezone: string; start: string; end: string; types: string[]; cutoff?: string },
    andAlso?: string,
  ): string {
    const where = outcomeScope(scope, ps);
    const tz = ps.add(q.timezone);
    const end = `(${ps.add(q.end)}::timestamp AT TIME ZONE ${tz})`;
    // A stretch of a split period reads fewer days, but its cut-off stays the period's end.
    const cutoff = q.cutoff && q.cutoff !== q.end ? `(${ps.add(q.cutoff)}::timestamp AT TIME ZONE ${tz})` : end;
    // Deemed acceptance: a claim whose objection window lapsed by the period's cut-off (and by now)
    // is verified for billing even before the sweep writes its event.
    return `SELECT ${OutcomeBillingReads.COLUMNS} FROM outcomes o
             WHERE ${where} AND o.contract_id = ${ps.add(q.contractId)} AND o.type = ANY(${ps.add(q.types)}::text[])
               AND (o.status = 'verified' OR (o.status = 'recorded' AND o.deemed_after <= least(${cutoff}, now())))
               AND o.occurred_at >= (${ps.add(q.start)}::timestamp AT TIME ZONE ${tz})
               AND o.occurred_at < ${end}${andAlso ? ` AND ${andAlso}` : ''}`;
  }

  /**
   * `FROM` clause: periods `p` (a jsonb parameter of {start, end, types}) joined with the contract's
   * outcomes `o` of each period's types, each in its contract-local bounds (`o` has the columns
   * COLUMNS and status); with `changedSince`, only outcomes written by transactions from then on.
   */
  periodsJoinSql(scope: Scope, ps: Params, q: { contractId: string; timezone: string; periodsJson: string; changedSince?: string }): string {
    const where = outcomeScope(scope, ps);
    const tz = ps.add(q.timezone);
    const inPeriod = `o.type = ANY(p.types)
     AND o.occurred_at >= (p.start::timestamp AT TIME ZONE ${tz}) AND o.occurred_at < (p."end"::timestamp AT TIME ZONE ${tz})`;
    // Each period's range of the billing index (a LATERAL the planner cannot flatten): a hash join
    // would read the contract's whole history to keep a few periods of it.
    if (q.changedSince === undefined)
      return `jsonb_to_recordset(${ps.add(q.periodsJson)}::jsonb) AS p(start date, "end" date, types text[])
    CROSS JOIN LATERAL (SELECT ${OutcomeBillingReads.COLUMNS}, o.status FROM outcomes o
                         WHERE ${where} AND o.contract_id = ${ps.add(q.contractId)} AND ${inPeriod} OFFSET 0) o`;
    // Only the outcomes written by transactions from `changedSince` on (outcomes_changed), then
    // their periods: the cost follows what changed, not how long the contract has run.
    const changed = `SELECT ${OutcomeBillingReads.COLUMNS}, o.status FROM outcomes o WHERE ${where} AND o.contract_id = ${ps.add(q.contractId)}
                        AND o.changed_xact >= ${ps.add(q.changedSince)}::xid8 OFFSET 0`;
    return `(${changed}) o JOIN jsonb_to_recordset(${ps.add(q.periodsJson)}::jsonb) AS p(start date, "end" date, types text[]) ON ${inPeriod}`;
  }

  /**
   * `SELECT <columns>, o.status FROM outcomes o WHERE …`: every outcome of one type of a contract,
   * whatever its period: what charge-once-per-case reads to tell whether a case is already charged
   * (src/invoicing/billing-inputs.repository.ts).
   */
  contractOutcomesSql(scope: Scope, ps: Params, q: { contractId: string; type: string }): string {
    const where = outcomeScope(scope, ps);
    return `SELECT ${OutcomeBillingReads.COLUMNS}, o.status FROM outcomes o
             WHERE ${where} AND o.contract_id = ${ps.add(q.contractId)} AND o.type = ${ps.add(q.type)}::text`;
  }

  /**
   * A LATERAL probe of one outcome by primary key, for rows `idCol` of another table: the planner
   * cannot flatten it (OFFSET 0), so it stays an index probe whatever the statistics say.
   */
  outcomeByIdLateralSql(scope: Scope, ps: Params, idCol: string): string {
    const where = outcomeScope(scope, ps);
    return `CROSS JOIN LATERAL (SELECT ${OutcomeBillingReads.COLUMNS} FROM outcomes o WHERE ${where} AND o.id = ${idCol} OFFSET 0) o`;
  }

  /**
   * `JOIN outcomes o ON …`: the outcome of each row `idCol` of another table, as a plain join. Over a
   * whole invoice's record the planner should hash-join it with the period's outcomes (one pass)
   * rather than probe the primary key once per row; the caller rules out the nested loop for the
   * statement, since a freshly written record has no statistics yet.
   */
  outcomeByIdJoinSql(scope: Scope, ps: Params, idCol: string): string {
    const where = outcomeScope(scope, ps);
    return `JOIN outcomes o ON ${where} AND o.id = ${idCol}`;
  }

  /** The latest verified measurement of each KPI type in each period (ties: the greatest id, as the engine does). */
  async latestMeasurements(
    scope: Scope,
    q: { contractId: string; timezone: string; periods: Array<{ start: string; end: string; types: string[] }> },
    em: Queryable = this.db.manager,
  ): Promise<Array<{ start: string; id: string; type: string; value: string; occurred_at: Date }>> {
    const ps = new Params();
    const from = this.periodsJoinSql(scope, ps, { contractId: q.contractId, timezone: q.timezone, periodsJson: JSON.stringify(q.periods) });
    return em.query(
      `SELECT DISTINCT ON (p.start, o.type) p.start::text AS start, o.id, o.type, COALESCE(o.quantity, o.value)::text AS value, o.occurred_at
         FROM ${from}
        WHERE o.status = 'verified'
        ORDER BY p.start, o.type, o.occurred_at DESC, o.id DESC`,
      ps.values,
    );
  }

  /** Named measurements of a contract, with their contract-local date. */
  async measurementsById(
    scope: Scope,
    q: { contractId: string; timezone: string; ids: string[] },
    em: Queryable = this.db.manager,
  ): Promise<Array<{ local_date: string; id: string; type: string; value: string; occurred_at: Date }>> {
    const ps = new Params();
    const where = outcomeScope(scope, ps);
    return em.query(
      `SELECT (o.occurred_at AT TIME ZONE ${ps.add(q.timezone)})::date::text AS local_date, o.id, o.type,
              COALESCE(o.quantity, o.value)::text AS value, o.occurred_at
         FROM outcomes o WHERE ${where} AND o.contract_id = ${ps.add(q.contractId)} AND o.id = ANY(${ps.add(q.ids)}::uuid[])`,
      ps.values,
    );
  }
}

/**
 * Outcomes (`o`) in a scope: a customer's are those of its contracts (the subquery is only
 * written for a customer scope; billing runs in the vendor's).
 */
export function outcomeScope(scope: Scope, ps: Params): string {
  return scopeSql(
    scope,
    {
      vendorId: 'o.vendor_id',
      contractId: 'o.contract_id',
      customerId: contractColumnSql('customer_id', { vendorId: 'o.vendor_id', contractId: 'o.contract_id' }),
    },
    ps.values,
  );
}
