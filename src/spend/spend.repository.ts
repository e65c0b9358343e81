import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type Scope, scopeSql } from '../auth/scope';
import type { Queryable } from '../common/sql';
import { contractColumnSql } from '../contracts/outcome.reads';

export interface SpendControlsRecord {
  id: string;
  contract_id: string;
  budget: string;
  thresholds: number[];
  hard_limit: boolean;
  set_by_key_id: string;
  set_by_role: 'vendor_admin' | 'customer';
  set_at: string;
}

export interface CrossingRecord {
  threshold: number;
  amount: string;
  budget: string;
  crossed_at: string;
}

const UTC = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const COLS = `v.id, v.contract_id, v.budget::text AS budget, v.thresholds, v.hard_limit, v.set_by_key_id, v.set_by_role, ${UTC('v.created_at')} AS set_at`;

/**
 * The only SQL over `spend_control_versions` and `spend_threshold_crossings`: inserts and reads,
 * never an update or delete (both are append-only). The scope is written here, from the caller's
 * Scope; a customer sees the rows of its own contracts only.
 */
@Injectable()
export class SpendRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private scoped(scope: Scope, alias: string, params: unknown[]): string {
    const ref = { vendorId: `${alias}.vendor_id`, contractId: `${alias}.contract_id` };
    return scopeSql(scope, { ...ref, customerId: contractColumnSql('customer_id', ref) }, params);
  }

  /** Every version of one contract, newest first (uuidv7 ids are in insertion order). */
  async versions(scope: Scope, contractId: string, em: Queryable = this.db.manager): Promise<SpendControlsRecord[]> {
    const params: unknown[] = [contractId];
    return em.query(
      `SELECT ${COLS} FROM spend_control_versions v
        WHERE v.contract_id = $1 AND ${this.scoped(scope, 'v', params)}
        ORDER BY v.created_at DESC, v.id DESC`,
      params,
    );
  }

  /** The version in force of each listed contract that has one: one query for a whole batch. */
  async current(scope: Scope, contractIds: readonly string[], em: Queryable = this.db.manager): Promise<SpendControlsRecord[]> {
    if (contractIds.length === 0) return [];
    const params: unknown[] = [contractIds];
    return em.query(
      `SELECT DISTINCT ON (v.contract_id) ${COLS} FROM spend_control_versions v
        WHERE v.contract_id = ANY($1::uuid[]) AND ${this.scoped(scope, 'v', params)}
        ORDER BY v.contract_id, v.created_at DESC, v.id DESC`,
      params,
    );
  }

  /**
   * The version in force for a period: the latest set before the period's end (its local midnight
   * in the contract's timezone). Later changes do not reach back into a period already over.
   */
  async inForceAt(scope: Scope, contractId: string, periodEnd: string, timezone: string, em: Queryable = this.db.manager): Promise<SpendControlsRecord | null> {
    const [row] = await this.inForceAtEach(scope, [{ contractId, periodEnd, timezone }], em);
    return row ?? null;
  }

  /** The same for several contracts' periods in one statement (a billing run's chunk): one row per contract that has one. */
  async inForceAtEach(
    scope: Scope,
    periods: ReadonlyArray<{ contractId: string; periodEnd: string; timezone: string }>,
    em: Queryable = this.db.manager,
  ): Promise<SpendControlsRecord[]> {
    if (periods.length === 0) return [];
    const params: unknown[] = [JSON.stringify(periods.map((p) => ({ contract_id: p.contractId, period_end: p.periodEnd, tz: p.timezone })))];
    return em.query(
      `SELECT x.* FROM jsonb_to_recordset($1::jsonb) AS p(contract_id uuid, period_end date, tz text)
       CROSS JOIN LATERAL (SELECT ${COLS} FROM spend_control_versions v
                            WHERE v.contract_id = p.contract_id AND v.created_at < (p.period_end::timestamp AT TIME ZONE p.tz) AND ${this.scoped(scope, 'v', params)}
                            ORDER BY v.created_at DESC, v.id DESC LIMIT 1) x`,
      params,
    );
  }


  async insert(
    scope: Scope,
    v: { contractId: string; budget: string; thresholds: number[]; hardLimit: boolean; keyId: string; role: 'vendor_admin' | 'customer' },
    em: Queryable = this.db.manager,
  ): Promise<SpendControlsRecord> {
    const [row] = await em.query(
      `WITH v AS (
         INSERT INTO spend_control_versions (vendor_id, contract_id, budget, thresholds, hard_limit, set_by_key_id, set_by_role)
         VALUES ($1, $2, $3::numeric, $4::int[], $5, $6, $7) RETURNING *)
       SELECT ${COLS} FROM v`,
      [scope.vendorId, v.contractId, v.budget, v.thresholds, v.hardLimit, v.keyId, v.role],
    );
    return row;
  }

  /**
   * Records the crossings not recorded yet and answers those this call recorded. The primary key
   * (contract, period, threshold) with ON CONFLICT DO NOTHING is what keeps each to one row, and
   * so one webhook, however many checks race: a concurrent insert of the same key waits for the
   * first to commit, then does nothing.
   */
  async recordCrossings(
    scope: Scope,
    c: { contractId: string; periodStart: string; thresholds: number[]; versionId: string; budget: string; amount: string },
    em: Queryable,
  ): Promise<number[]> {
    const rows: Array<{ threshold: number }> = await em.query(
      `INSERT INTO spend_threshold_crossings (vendor_id, contract_id, period_start, threshold, controls_version_id, budget, amount)
       SELECT $1, $2, $3::date, t, $5, $6::numeric, $7::numeric FROM unnest($4::int[]) AS t
       ON CONFLICT (vendor_id, contract_id, period_start, threshold) DO NOTHING
       RETURNING threshold`,
      [scope.vendorId, c.contractId, c.periodStart, c.thresholds, c.versionId, c.budget, c.amount],
    );
    return rows.map((r) => r.threshold).sort((a, b) => a - b);
  }

  /** The thresholds crossed in one period of one contract, lowest first. */
  async crossings(scope: Scope, contractId: string, periodStart: string, em: Queryable = this.db.manager): Promise<CrossingRecord[]> {
    const params: unknown[] = [contractId, periodStart];
    return em.query(
      `SELECT x.threshold, x.amount::text AS amount, x.budget::text AS budget, ${UTC('x.crossed_at')} AS crossed_at
         FROM spend_threshold_crossings x
        WHERE x.contract_id = $1 AND x.period_start = $2::date AND ${this.scoped(scope, 'x', params)}
        ORDER BY x.threshold`,
      params,
    );
  }
}
