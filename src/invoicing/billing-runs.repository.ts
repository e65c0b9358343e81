import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scope, scopeSql } from '../auth/scope';
import { Params, Queryable } from '../common/sql';
import type { BillingRun, BillingRunError } from './entities/billing-run.entity';

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

/** The only code that speaks SQL to `billing_runs`. */
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

  async complete(
    scope: Scope,
    id: string,
    c: { drafted: number; refused: number; alreadyFinalized: number; failed: number; errors: BillingRunError[] },
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
}
