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
    return `SELECT ${OutcomeBillingReads.COLUMNS} FROM outcomes o
             WHERE ${billableInPeriod(where, { contractId: ps.add(q.contractId), types: `${ps.add(q.types)}::text[]`, tz, end, cutoff, start: ps.add(q.start) })}${andAlso ? ` AND ${andAlso}` : ''}`;
  }

  /**
   * The same rows as `periodOutcomesSql` for several contracts at once (set-based drafting, #16
   * item 2): `SELECT <columns> FROM …` over a jsonb parameter of {contract_id, tz, start, end,
   * cutoff, types}, one row per contract and period, each probing the billing index for its own
   * range (a LATERAL the planner cannot flatten). `cutoff` is the period's end.
   */
  contractPeriodsOutcomesSql(scope: Scope, ps: Params, periodsJson: string): string {
    const where = outcomeScope(scope, ps);
    const at = (col: string) => `(p.${col}::timestamp AT TIME ZONE p.tz)`;
    return `SELECT o.* FROM jsonb_to_recordset(${ps.add(periodsJson)}::jsonb) AS p(contract_id uuid, tz text, start date, "end" date, cutoff date, types text[])
    CROSS JOIN LATERAL (SELECT ${OutcomeBillingReads.COLUMNS} FROM outcomes o
                         WHERE ${billableInPeriod(where, { contractId: 'p.contract_id', types: 'p.types', tz: 'p.tz', end: at('"end"'), cutoff: at('cutoff'), start: 'p.start' })} OFFSET 0) o`;
  }

  /**
   * `FROM` clause: periods `p` (a jsonb parameter of {start, end, types}) joined with the contract's
   * outcomes `o` of each period's types, each in its contract-local bounds (`o` has the columns
   * COLUMNS and status); with `changedSince`, only outcomes written by transactions from then on.
   */
  periodsJoinSql(scope: Scope, ps: Params, q: { contractId: string; timezone: string; periodsJson: string; changedSince?: string }): string {
    const where = outcomeScope(scope, ps);
    const tz = ps.add(q.timezone);
    const inPeriod = inPeriodSql(tz);
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
   * `FROM` clause: the changed-since form of `periodsJoinSql` for several contracts at once
   * (set-based drafting): contracts `c` (a jsonb parameter of {contract_id, tz, since, periods}), the
   * outcomes `o` each wrote from its `since` on, joined with its periods `p` ({start, end, types}).
   */
  contractsChangedJoinSql(scope: Scope, ps: Params, contractsJson: string): string {
    const where = outcomeScope(scope, ps);
    return `jsonb_to_recordset(${ps.add(contractsJson)}::jsonb) AS c(contract_id uuid, tz text, since text, periods jsonb)
    CROSS JOIN LATERAL (SELECT ${OutcomeBillingReads.COLUMNS}, o.status FROM outcomes o WHERE ${where} AND o.contract_id = c.contract_id
                           AND o.changed_xact >= c.since::xid8 OFFSET 0) o
    JOIN LATERAL jsonb_to_recordset(c.periods) AS p(start date, "end" date, types text[]) ON ${inPeriodSql('c.tz')}`;
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
    return this.latestMeasurementsOf(scope, q.periods.map((p) => ({ contractId: q.contractId, timezone: q.timezone, ...p })), em);
  }

  /** The same for periods of several contracts at once, in one statement (set-based drafting). */
  async latestMeasurementsOf(
    scope: Scope,
    periods: Array<{ contractId: string; timezone: string; start: string; end: string; types: string[] }>,
    em: Queryable = this.db.manager,
  ): Promise<Array<{ contract_id: string; start: string; id: string; type: string; value: string; occurred_at: Date }>> {
    if (periods.length === 0) return [];
    const ps = new Params();
    const where = outcomeScope(scope, ps);
    const json = JSON.stringify(periods.map((p) => ({ contract_id: p.contractId, tz: p.timezone, start: p.start, end: p.end, types: p.types })));
    return em.query(
      `SELECT DISTINCT ON (p.contract_id, p.start, o.type) p.contract_id::text AS contract_id, p.start::text AS start, o.id, o.type,
              COALESCE(o.quantity, o.value)::text AS value, o.occurred_at
         FROM jsonb_to_recordset(${ps.add(json)}::jsonb) AS p(contract_id uuid, tz text, start date, "end" date, types text[])
   CROSS JOIN LATERAL (SELECT ${OutcomeBillingReads.COLUMNS}, o.status FROM outcomes o
                        WHERE ${where} AND o.contract_id = p.contract_id AND ${inPeriodSql('p.tz')} OFFSET 0) o
        WHERE o.status = 'verified'
        ORDER BY p.contract_id, p.start, o.type, o.occurred_at DESC, o.id DESC`,
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

/** `o` (of a type of `p.types`) occurred in the contract-local period `p` [start, end) of the timezone `tz`. */
function inPeriodSql(tz: string): string {
  return `o.type = ANY(p.types)
     AND o.occurred_at >= (p.start::timestamp AT TIME ZONE ${tz}) AND o.occurred_at < (p."end"::timestamp AT TIME ZONE ${tz})`;
}

/**
 * The one rule of a period's billable outcomes, over SQL expressions (parameters, or columns of a
 * row of periods): the contract's outcomes of the billable types, verified, or deemed accepted (a
 * claim whose objection window lapsed by the period's cut-off and by now, even before the sweep
 * writes its event), that occurred in the contract-local period [start, end).
 */
function billableInPeriod(where: string, e: { contractId: string; types: string; tz: string; start: string; end: string; cutoff: string }): string {
  return `${where} AND o.contract_id = ${e.contractId} AND o.type = ANY(${e.types})
               AND (o.status = 'verified' OR (o.status = 'recorded' AND o.deemed_after <= least(${e.cutoff}, now())))
               AND o.occurred_at >= (${e.start}::timestamp AT TIME ZONE ${e.tz})
               AND o.occurred_at < ${e.end}`;
}
