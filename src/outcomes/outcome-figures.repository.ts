import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type Scope, scopeSql } from '../auth/scope';
import { contractColumnSql } from '../contracts/outcome.reads';
import { OUTCOME_SCOPE } from './outcomes.repository';

const ISO_MS = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** One month of one contract whose verified value a report sums, per value type. */
export interface ValueSlot {
  contract_id: string;
  month: string;
  /** Local dates `[start, end)` in the contract's timezone `tz`. */
  start: string;
  end: string;
  tz: string;
  type: string;
  /** The value of one verified outcome (valuePerUnit), or null: the outcome's own value. */
  per_unit: string | null;
}

/** One basis item applied to one contract's month (see contracts/value-basis.ts for the methods). */
export interface BasisSlot {
  contract_id: string;
  month: string;
  start: string;
  end: string;
  tz: string;
  type: string;
  method: 'measured' | 'per_unit' | 'per_kpi_point' | 'per_recurring_unit';
  unit_value: string | null;
  /** per_recurring_unit: the month's value, computed from the terms (no outcomes are read). */
  fixed_value: string | null;
  baseline: string | null;
  estimated: boolean;
}

export interface BasisValueRow {
  contractId: string;
  month: string;
  estimated: boolean;
  value: string;
  count: number;
}

/** An expected outcome of a quote: what a sample gives (decimal strings, or null). */
export interface SampleOutcome {
  type: string;
  occurred_at: string;
  quantity: string | null;
  value: string | null;
}

/** The contract id a quote's sample and basis slots share (no contract exists yet). */
export const SAMPLE_CONTRACT = '00000000-0000-0000-0000-000000000000';

/** The outcomes of one contract's month that a statement lists. */
export interface StatementOutcomes {
  contractId: string;
  types: string[];
  /** valuePerUnit by type, for types valued per verified outcome. */
  perUnit: Record<string, string | null>;
  start: string;
  end: string;
  timezone: string;
}

export interface StatementLineRow {
  id: string;
  external_id: string;
  type: string;
  status: string;
  occurred_at: string;
  verified_at: string | null;
  evidence_sha256: string | null;
  value: string;
  verified_by: string | null;
  /** When the objection window lapsed, if the outcome was deemed accepted (ISO 8601), else null. */
  deemed_at: string | null;
}

/**
 * The event that made an outcome verified (its latest to 'verified'): who, and whether it was
 * deemed. Confirmed outcomes (by a person, or metered) have no deemed_at.
 */
const VERIFYING_EVENT = `LEFT JOIN LATERAL (
    SELECT e.actor_role, e.deemed_at FROM outcome_events e
     WHERE e.vendor_id = o.vendor_id AND e.outcome_id = o.id AND e.to_status = 'verified' ORDER BY e.id DESC LIMIT 1) v ON true`;

/**
 * The reports' read model over `outcomes` and `outcome_events`: every figure aggregated in SQL
 * (numeric, returned as text), every statement filtered by the caller's scope.
 */
@Injectable()
export class OutcomeFiguresRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Verified value and count per contract and month: Σ value, or count × valuePerUnit. */
  async monthlyValue(scope: Scope, slots: ValueSlot[]): Promise<Array<{ contractId: string; month: string; value: string; count: number }>> {
    if (slots.length === 0) return [];
    const params: unknown[] = [JSON.stringify(slots)];
    const out: Array<{ contract_id: string; month: string; value: string; n: number }> = await this.db.query(
      `SELECT s.contract_id, s.month, coalesce(sum(coalesce(s.per_unit, o.value, 0)), 0)::text AS value, count(o.id)::int AS n
         FROM jsonb_to_recordset($1::jsonb) AS s(contract_id uuid, month text, start date, "end" date, tz text, type text, per_unit numeric)
         JOIN outcomes o ON o.contract_id = s.contract_id AND o.type = s.type AND o.status = 'verified'
          AND o.occurred_at >= (s.start::timestamp AT TIME ZONE s.tz) AND o.occurred_at < (s."end"::timestamp AT TIME ZONE s.tz)
        WHERE ${scopeSql(scope, OUTCOME_SCOPE, params)}
        GROUP BY s.contract_id, s.month`,
      params,
    );
    return out.map((r) => ({ contractId: r.contract_id, month: r.month, value: r.value, count: r.n }));
  }

  /**
   * Value per contract, month and kind (measured or estimated): Σ value (measured), Σ quantity × unit
   * value (per_unit; a unit without quantity counts 1), or (average KPI − baseline) × unit value
   * (per_kpi_point; nothing without a verified measurement in the month), or the licence's units in
   * service valued as the slot says (per_recurring_unit).
   */
  async basisValue(scope: Scope, slots: BasisSlot[]): Promise<BasisValueRow[]> {
    if (slots.length === 0) return [];
    const params: unknown[] = [JSON.stringify(slots)];
    return this.basisValueOf(`outcomes o`, `AND ${scopeSql(scope, OUTCOME_SCOPE, params)}`, params);
  }

  /**
   * The same valuation over a sample of outcomes that no table holds (a quote for a prospective
   * customer): one rule, in SQL, whether the outcomes are recorded or expected. Every sample outcome
   * counts as verified; slots name the contract id `SAMPLE_CONTRACT`.
   */
  async basisValueOfSample(slots: BasisSlot[], sample: SampleOutcome[]): Promise<BasisValueRow[]> {
    if (slots.length === 0) return [];
    const params: unknown[] = [JSON.stringify(slots), JSON.stringify(sample.map((o, i) => ({ ...o, id: i + 1, contract_id: SAMPLE_CONTRACT, status: 'verified' })))];
    return this.basisValueOf(
      `jsonb_to_recordset($2::jsonb) AS o(id int, contract_id uuid, type text, status text, occurred_at timestamptz, quantity numeric, value numeric)`,
      '',
      params,
    );
  }

  private async basisValueOf(source: string, scopeCondition: string, params: unknown[]): Promise<BasisValueRow[]> {
    const out: Array<{ contract_id: string; month: string; estimated: boolean; value: string; n: number }> = await this.db.query(
      `WITH per_item AS (
         SELECT s.contract_id, s.month, s.estimated, count(o.id)::int AS n,
                CASE s.method
                  WHEN 'measured' THEN coalesce(sum(o.value), 0)
                  WHEN 'per_recurring_unit' THEN coalesce(s.fixed_value, 0)
                  WHEN 'per_unit' THEN coalesce(sum(CASE WHEN o.id IS NULL THEN 0 ELSE coalesce(o.quantity, 1) END), 0) * s.unit_value
                  ELSE CASE WHEN count(o.id) = 0 THEN 0 ELSE (avg(o.quantity) - coalesce(s.baseline, 0)) * s.unit_value END
                END AS value
           FROM jsonb_to_recordset($1::jsonb) AS s(contract_id uuid, month text, start date, "end" date, tz text, type text, method text,
                                                   unit_value numeric, baseline numeric, estimated boolean, fixed_value numeric)
           LEFT JOIN ${source} ON s.method <> 'per_recurring_unit' AND o.contract_id = s.contract_id AND o.type = s.type AND o.status = 'verified'
            AND o.occurred_at >= (s.start::timestamp AT TIME ZONE s.tz) AND o.occurred_at < (s."end"::timestamp AT TIME ZONE s.tz)
            ${scopeCondition}
          GROUP BY s.contract_id, s.month, s.type, s.method, s.unit_value, s.baseline, s.estimated, s.fixed_value)
       SELECT contract_id, month, estimated, sum(value)::text AS value, sum(n)::int AS n FROM per_item
        GROUP BY contract_id, month, estimated ORDER BY contract_id, month, estimated`,
      params,
    );
    return out.map((r) => ({ contractId: r.contract_id, month: r.month, estimated: r.estimated, value: r.value, count: r.n }));
  }

  /** The first `limit` outcomes of the month in these statuses, oldest first, each valued and with who verified it. */
  async statementLines(scope: Scope, q: StatementOutcomes, statuses: string[], limit: number): Promise<StatementLineRow[]> {
    const params: unknown[] = [q.contractId, q.types, q.start, JSON.stringify(q.perUnit), q.timezone, q.end, statuses];
    return this.db.query(
      `SELECT o.id, o.external_id, o.type, o.status, ${ISO_MS('o.occurred_at')} AS occurred_at, ${ISO_MS('o.verified_at')} AS verified_at,
              o.evidence_sha256, coalesce(($4::jsonb ->> o.type)::numeric, o.value, 0)::text AS value,
              v.actor_role AS verified_by, ${ISO_MS('v.deemed_at')} AS deemed_at
         FROM outcomes o ${VERIFYING_EVENT}
        WHERE o.contract_id = $1 AND o.type = ANY($2::text[]) AND o.status = ANY($7::text[])
          AND o.occurred_at >= ($3::timestamp AT TIME ZONE $5) AND o.occurred_at < ($6::timestamp AT TIME ZONE $5)
          AND ${scopeSql(scope, OUTCOME_SCOPE, params)}
        ORDER BY o.occurred_at, o.id LIMIT ${limit}`,
      params,
    );
  }

  /** Count and value of the month's outcomes awaiting verification or in dispute, by status. */
  async pendingByStatus(scope: Scope, q: StatementOutcomes): Promise<Array<{ status: string; n: number; value: string }>> {
    const params: unknown[] = [q.contractId, q.types, q.start, JSON.stringify(q.perUnit), q.timezone, q.end];
    return this.db.query(
      `SELECT o.status, count(*)::int AS n, coalesce(sum(coalesce(($4::jsonb ->> o.type)::numeric, o.value, 0)), 0)::text AS value
         FROM outcomes o
        WHERE o.contract_id = $1 AND o.type = ANY($2::text[]) AND o.status IN ('recorded', 'disputed')
          AND o.occurred_at >= ($3::timestamp AT TIME ZONE $5) AND o.occurred_at < ($6::timestamp AT TIME ZONE $5)
          AND ${scopeSql(scope, OUTCOME_SCOPE, params)}
        GROUP BY o.status`,
      params,
    );
  }

  /** Count and value of the month's outcomes in any of these statuses, together. */
  async valueByStatus(scope: Scope, q: StatementOutcomes, statuses: string[]): Promise<Array<{ n: number; value: string }>> {
    const params: unknown[] = [q.contractId, q.types, q.start, JSON.stringify(q.perUnit), q.timezone, q.end, statuses];
    return this.db.query(
      `SELECT count(*)::int AS n, coalesce(sum(coalesce(($4::jsonb ->> o.type)::numeric, o.value, 0)), 0)::text AS value
         FROM outcomes o
        WHERE o.contract_id = $1 AND o.type = ANY($2::text[]) AND o.status = ANY($7::text[])
          AND o.occurred_at >= ($3::timestamp AT TIME ZONE $5) AND o.occurred_at < ($6::timestamp AT TIME ZONE $5)
          AND ${scopeSql(scope, OUTCOME_SCOPE, params)}`,
      params,
    );
  }

  /** The month's verified outcomes of these types, confirmed (by a person, or metered) and deemed (the objection window lapsed) apart. */
  async verifiedByHow(scope: Scope, q: StatementOutcomes): Promise<{ confirmed: number; deemed: number }> {
    const params: unknown[] = [q.contractId, q.types, q.start, q.timezone, q.end];
    const [row]: Array<{ confirmed: number; deemed: number }> = await this.db.query(
      `SELECT count(*) FILTER (WHERE v.deemed_at IS NULL)::int AS confirmed, count(*) FILTER (WHERE v.deemed_at IS NOT NULL)::int AS deemed
         FROM outcomes o ${VERIFYING_EVENT}
        WHERE o.contract_id = $1 AND o.type = ANY($2::text[]) AND o.status = 'verified'
          AND o.occurred_at >= ($3::timestamp AT TIME ZONE $4) AND o.occurred_at < ($5::timestamp AT TIME ZONE $4)
          AND ${scopeSql(scope, OUTCOME_SCOPE, params)}`,
      params,
    );
    return { confirmed: row?.confirmed ?? 0, deemed: row?.deemed ?? 0 };
  }

  /** Verified (of them deemed) and rejected counts per type over outcomes occurring in `[start, end)`, local dates in each contract's timezone. */
  async judgedByType(
    scope: Scope,
    contractIds: string[],
    start: string,
    end: string,
    types: string[],
  ): Promise<Array<{ type: string; verified: number; deemed: number; rejected: number }>> {
    if (types.length === 0) return [];
    const tz = contractColumnSql('timezone', { vendorId: 'o.vendor_id', contractId: 'o.contract_id' });
    const params: unknown[] = [contractIds, start, end, types];
    return this.db.query(
      `SELECT o.type, count(*) FILTER (WHERE o.status = 'verified')::int AS verified,
              count(*) FILTER (WHERE o.status = 'verified' AND v.deemed_at IS NOT NULL)::int AS deemed,
              count(*) FILTER (WHERE o.status = 'rejected')::int AS rejected
         FROM outcomes o ${VERIFYING_EVENT}
        WHERE o.contract_id = ANY($1::uuid[]) AND o.type = ANY($4::text[]) AND o.status IN ('verified', 'rejected')
          AND o.occurred_at >= ($2::timestamp AT TIME ZONE ${tz}) AND o.occurred_at < ($3::timestamp AT TIME ZONE ${tz})
          AND ${scopeSql(scope, OUTCOME_SCOPE, params)}
        GROUP BY o.type ORDER BY o.type`,
      params,
    );
  }
}
