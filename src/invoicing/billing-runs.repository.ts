import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scope, scopeSql } from '../auth/scope';
import { Params, Queryable } from '../common/sql';
import type { BillingRun, BillingRunContract, BillingRunError } from './entities/billing-run.entity';

const RUN_COLS = `r.vendor_id AS "vendorId", r.id, r.period_label AS "periodLabel", r.contract_ids AS "contractIds", r.status,
       r.contracts_total AS "contractsTotal", r.considered, r.finalize_when_drafted AS "finalizeWhenDrafted", r.drafted, r.refused,
       r.already_finalized AS "alreadyFinalized", r.failed, r.errors, r.requested_by_key_id AS "requestedByKeyId", r.started_at AS "startedAt",
       r.finished_at AS "finishedAt"`;

/**
 * Billing runs are the vendor's own operation: a run spans many contracts and its counts and
 * errors are about all of them, so it belongs to no single contract or customer. A caller limited
 * to some contracts (an auditor with a grant) or to one customer sees no run at all (404); what a
 * run produced for its contracts it reads on their invoices. scopeSql is handed a NULL contract and
 * customer column: `NULL = ANY(grant)` is never true.
 */
function runScope(scope: Scope, ps: Params): string {
  return scopeSql(scope, { vendorId: 'r.vendor_id', contractId: 'NULL::uuid', customerId: 'NULL::uuid' }, ps.values);
}

/** A run's per-contract rows: those of the contracts the caller may see. */
function resultScope(scope: Scope, ps: Params): string {
  return scopeSql(scope, { vendorId: 'rc.vendor_id', contractId: 'rc.contract_id', customerId: 'NULL::uuid' }, ps.values);
}

type RunCounts = { drafted: number; refused: number; alreadyFinalized: number; failed: number; errors: BillingRunError[] };

/** The only code that speaks SQL to `billing_runs` and `billing_run_contracts`. */
@Injectable()
export class BillingRunsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async start(
    scope: Scope,
    r: {
      periodLabel: string;
      contractIds: readonly string[] | null;
      contractsTotal: number;
      considered: number;
      finalizeWhenDrafted: boolean;
      requestedByKeyId: string | null;
    },
    em: Queryable = this.db.manager,
  ): Promise<string> {
    const [row] = await em.query(
      `INSERT INTO billing_runs (vendor_id, period_label, contract_ids, status, contracts_total, considered, finalize_when_drafted, requested_by_key_id)
       VALUES ($1, $2, $3::uuid[], 'queued', $4, $5, $6, $7) RETURNING id`,
      [scope.vendorId, r.periodLabel, r.contractIds, r.contractsTotal, r.considered, r.finalizeWhenDrafted, r.requestedByKeyId],
    );
    return row.id;
  }

  /** A worker took a chunk: queued → running (a no-op once it runs or is done). */
  async markRunning(scope: Scope, id: string, em: Queryable = this.db.manager): Promise<void> {
    const ps = new Params();
    const where = runScope(scope, ps);
    await em.query(`UPDATE billing_runs r SET status = 'running' WHERE ${where} AND r.id = ${ps.add(id)} AND r.status = 'queued'`, ps.values);
  }

  /**
   * Marks the run completed with its final counts, once: true only for the caller whose statement
   * moved it (the one that then announces it).
   */
  async complete(scope: Scope, id: string, c: RunCounts, em: Queryable = this.db.manager): Promise<boolean> {
    const ps = new Params();
    const where = runScope(scope, ps);
    const rows: unknown[] = await em.query(
      `UPDATE billing_runs r SET status = 'completed', drafted = ${ps.add(c.drafted)}, refused = ${ps.add(c.refused)},
              already_finalized = ${ps.add(c.alreadyFinalized)}, failed = ${ps.add(c.failed)}, errors = ${ps.add(JSON.stringify(c.errors))}::jsonb,
              finished_at = clock_timestamp()
        WHERE ${where} AND r.id = ${ps.add(id)} AND r.status IN ('queued', 'running')
        RETURNING r.id`,
      ps.values,
    );
    // UPDATE … RETURNING answers [rows, count] through TypeORM
    const returned = Array.isArray(rows[0]) ? (rows[0] as unknown[]) : rows;
    return returned.length > 0;
  }

  async find(scope: Scope, id: string, em: Queryable = this.db.manager, opts: { lock?: boolean } = {}): Promise<BillingRun | null> {
    const ps = new Params();
    const where = runScope(scope, ps);
    const [row] = await em.query(
      `SELECT ${RUN_COLS} FROM billing_runs r WHERE ${where} AND r.id = ${ps.add(id)}${opts.lock ? ' FOR UPDATE OF r' : ''}`,
      ps.values,
    );
    return row ?? null;
  }

  /** The vendor's runs, newest first (ids are time-ordered), a page at a time. */
  async list(
    scope: Scope,
    q: { before: string | null; limit: number; period: string | null; status: BillingRun['status'] | null },
    em: Queryable = this.db.manager,
  ): Promise<BillingRun[]> {
    const ps = new Params();
    const where = runScope(scope, ps);
    const more = [
      q.before ? ` AND r.id < ${ps.add(q.before)}::uuid` : '',
      q.period ? ` AND r.period_label = ${ps.add(q.period)}` : '',
      q.status ? ` AND r.status = ${ps.add(q.status)}` : '',
    ].join('');
    return em.query(`SELECT ${RUN_COLS} FROM billing_runs r WHERE ${where}${more} ORDER BY r.id DESC LIMIT ${ps.add(q.limit)}`, ps.values);
  }

  /**
   * What the run's result rows add up to so far, in one aggregate; the first 100 failures with their
   * messages. A contract without terms is skipped on its row but counted (and listed) as failed, as
   * runs always have: the vendor has something to fix.
   */
  async tally(scope: Scope, runId: string, em: Queryable = this.db.manager): Promise<RunCounts & { results: number }> {
    const ps = new Params();
    const where = resultScope(scope, ps);
    const [row] = await em.query(
      `SELECT count(*)::int AS results,
              count(*) FILTER (WHERE rc.result = 'drafted')::int AS drafted,
              count(*) FILTER (WHERE rc.reason_code = 'TERMS_REFUSED')::int AS refused,
              count(*) FILTER (WHERE rc.reason_code = 'INVOICE_ALREADY_FINALIZED')::int AS "alreadyFinalized",
              count(*) FILTER (WHERE rc.result = 'failed' OR rc.reason_code = 'NO_TERMS_IN_FORCE')::int AS failed,
              COALESCE((SELECT jsonb_agg(jsonb_build_object('contractId', f.contract_id, 'message', f.message) ORDER BY f.contract_id)
                          FROM (SELECT rc2.contract_id, COALESCE(rc2.details->>'message', rc2.reason) AS message
                                  FROM billing_run_contracts rc2
                                 WHERE rc2.vendor_id = rc.vendor_id AND rc2.billing_run_id = rc.billing_run_id
                                   AND (rc2.result = 'failed' OR rc2.reason_code = 'NO_TERMS_IN_FORCE')
                                 ORDER BY rc2.contract_id LIMIT 100) f), '[]'::jsonb) AS errors
         FROM billing_run_contracts rc
        WHERE ${where} AND rc.billing_run_id = ${ps.add(runId)}
        GROUP BY rc.vendor_id, rc.billing_run_id`,
      ps.values,
    );
    return row ?? { results: 0, drafted: 0, refused: 0, alreadyFinalized: 0, failed: 0, errors: [] };
  }

  /** How many result rows the run has: an index range count, cheaper than `tally`, for "is it done?". */
  async countResults(scope: Scope, runId: string, em: Queryable = this.db.manager): Promise<number> {
    const ps = new Params();
    const where = resultScope(scope, ps);
    const [row] = await em.query(`SELECT count(*)::int AS n FROM billing_run_contracts rc WHERE ${where} AND rc.billing_run_id = ${ps.add(runId)}`, ps.values);
    return row?.n ?? 0;
  }

  /** Those of the given contracts that already have their result in the run (a redelivered chunk skips them). */
  async contractsWithResults(scope: Scope, runId: string, contractIds: readonly string[], em: Queryable = this.db.manager): Promise<string[]> {
    const ps = new Params();
    const where = resultScope(scope, ps);
    const rows: { contractId: string }[] = await em.query(
      `SELECT rc.contract_id AS "contractId" FROM billing_run_contracts rc
        WHERE ${where} AND rc.billing_run_id = ${ps.add(runId)} AND rc.contract_id = ANY(${ps.add(contractIds)}::uuid[])`,
      ps.values,
    );
    return rows.map((r) => r.contractId);
  }

  /**
   * One statement for all rows: unnest keeps it a single round trip whatever the run's size. A
   * contract that has its result already keeps it (a redelivered chunk, a second worker): the
   * first answer counts, once. Returns how many rows were new.
   */
  async insertResults(scope: Scope, runId: string, rs: readonly BillingRunContract[], em: Queryable = this.db.manager): Promise<number> {
    if (!rs.length) return 0;
    const inserted: unknown[] = await em.query(
      `INSERT INTO billing_run_contracts (vendor_id, billing_run_id, contract_id, result, invoice_id, reason_code, reason, details)
       SELECT $1, $2, x.contract_id, x.result, x.invoice_id, x.reason_code, x.reason, x.details
         FROM unnest($3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::jsonb[])
              AS x(contract_id, result, invoice_id, reason_code, reason, details)
       ON CONFLICT (vendor_id, billing_run_id, contract_id) DO NOTHING
       RETURNING contract_id`,
      [
        scope.vendorId,
        runId,
        rs.map((r) => r.contractId),
        rs.map((r) => r.result),
        rs.map((r) => r.invoiceId),
        rs.map((r) => r.reasonCode),
        rs.map((r) => r.reason),
        rs.map((r) => (r.details ? JSON.stringify(r.details) : null)),
      ],
    );
    return inserted.length;
  }

  /** The run's result rows in contract order; a page of them with `page` (after a contract id, at most `limit`, of one result). */
  async results(
    scope: Scope,
    runId: string,
    em: Queryable = this.db.manager,
    page?: { after: string | null; limit: number; result: BillingRunContract['result'] | null },
  ): Promise<BillingRunContract[]> {
    const ps = new Params();
    const where = resultScope(scope, ps);
    const more = page
      ? `${page.after ? ` AND rc.contract_id > ${ps.add(page.after)}::uuid` : ''}${page.result ? ` AND rc.result = ${ps.add(page.result)}` : ''}`
      : '';
    return em.query(
      `SELECT rc.contract_id AS "contractId", rc.result, rc.invoice_id AS "invoiceId", rc.reason_code AS "reasonCode", rc.reason, rc.details
         FROM billing_run_contracts rc
        WHERE ${where} AND rc.billing_run_id = ${ps.add(runId)}${more}
        ORDER BY rc.contract_id${page ? ` LIMIT ${ps.add(page.limit)}` : ''}`,
      ps.values,
    );
  }
}
