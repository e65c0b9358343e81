import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scope, scopeSql } from '../auth/scope';
import { Params, Queryable } from '../common/sql';
import type { BillingRun, BillingRunContract, BillingRunError } from './entities/billing-run.entity';

const RUN_COLS = `r.vendor_id AS "vendorId", r.id, r.period_label AS "periodLabel", r.contract_ids AS "contractIds", r.status,
       r.contracts_total AS "contractsTotal", r.drafted, r.refused, r.already_finalized AS "alreadyFinalized", r.failed,
       r.errors, r.requested_by_key_id AS "requestedByKeyId", r.started_at AS "startedAt", r.finished_at AS "finishedAt"`;

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
    r: { periodLabel: string; contractIds: readonly string[] | null; contractsTotal: number; requestedByKeyId: string | null },
    em: Queryable = this.db.manager,
  ): Promise<string> {
    const [row] = await em.query(
      `INSERT INTO billing_runs (vendor_id, period_label, contract_ids, status, contracts_total, requested_by_key_id)
       VALUES ($1, $2, $3::uuid[], 'running', $4, $5) RETURNING id`,
      [scope.vendorId, r.periodLabel, r.contractIds, r.contractsTotal, r.requestedByKeyId],
    );
    return row.id;
  }

  /** The run's counts and what it did with each contract, together or not at all. */
  async completeWithResults(scope: Scope, id: string, c: RunCounts, results: readonly BillingRunContract[]): Promise<void> {
    await this.db.transaction(async (em) => {
      await this.complete(scope, id, c, em);
      await this.insertResults(scope, id, results, em);
    });
  }

  async complete(
    scope: Scope,
    id: string,
    c: RunCounts,
    em: Queryable = this.db.manager,
  ): Promise<void> {
    const ps = new Params();
    const where = runScope(scope, ps);
    await em.query(
      `UPDATE billing_runs r SET status = 'completed', drafted = ${ps.add(c.drafted)}, refused = ${ps.add(c.refused)},
              already_finalized = ${ps.add(c.alreadyFinalized)}, failed = ${ps.add(c.failed)}, errors = ${ps.add(JSON.stringify(c.errors))}::jsonb,
              finished_at = clock_timestamp()
        WHERE ${where} AND r.id = ${ps.add(id)}`,
      ps.values,
    );
  }

  async find(scope: Scope, id: string, em: Queryable = this.db.manager): Promise<BillingRun | null> {
    const ps = new Params();
    const where = runScope(scope, ps);
    const [row] = await em.query(`SELECT ${RUN_COLS} FROM billing_runs r WHERE ${where} AND r.id = ${ps.add(id)}`, ps.values);
    return row ?? null;
  }

  /** One statement for all rows: unnest keeps it a single round trip whatever the run's size. */
  async insertResults(scope: Scope, runId: string, rs: readonly BillingRunContract[], em: Queryable = this.db.manager): Promise<void> {
    if (!rs.length) return;
    await em.query(
      `INSERT INTO billing_run_contracts (vendor_id, billing_run_id, contract_id, result, invoice_id, reason_code, reason, details)
       SELECT $1, $2, x.contract_id, x.result, x.invoice_id, x.reason_code, x.reason, x.details
         FROM unnest($3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::jsonb[])
              AS x(contract_id, result, invoice_id, reason_code, reason, details)`,
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
  }

  async results(scope: Scope, runId: string, em: Queryable = this.db.manager): Promise<BillingRunContract[]> {
    const ps = new Params();
    const where = resultScope(scope, ps);
    return em.query(
      `SELECT rc.contract_id AS "contractId", rc.result, rc.invoice_id AS "invoiceId", rc.reason_code AS "reasonCode", rc.reason, rc.details
         FROM billing_run_contracts rc
        WHERE ${where} AND rc.billing_run_id = ${ps.add(runId)}
        ORDER BY rc.contract_id`,
      ps.values,
    );
  }
}
