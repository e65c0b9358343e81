import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { type Scope, scopeSql, type ScopeColumns } from '../auth/scope';
import { numericString } from '../common/money';
import { decodeCursor } from '../common/http/pagination';
import { PLAIN_DECIMAL } from '../kernel/decimal';
import { preparedQuery } from '../database/prepared-query';
import { contractColumnSql, contractsUnchangedSql } from '../contracts/outcome.reads';
import type { OutcomeDetailView, OutcomeEventView, OutcomeView } from './dto/outcome.dto';
import type { OutcomeStatus } from './entities/outcome.entity';

/** An `outcomes` row as PostgreSQL returns it. */
export interface OutcomeRow {
  vendor_id: string;
  id: string;
  contract_id: string;
  external_id: string;
  type: string;
  quantity: string | null;
  value: string | null;
  occurred_at: Date;
  dimensions: Record<string, string>;
  evidence: unknown;
  evidence_uri: string | null;
  evidence_sha256: string | null;
  status: OutcomeStatus;
  corrects_outcome_id: string | null;
  content_sha256: string;
  verified_at: Date | null;
  recorded_by_key_id: string | null;
  created_at: Date;
  /** When an undecided claim is deemed accepted (deemed acceptance), else null. */
  deemed_after: Date | null;
}

interface EventRow {
  id: string;
  from_status: OutcomeStatus | null;
  to_status: OutcomeStatus;
  actor_key_id: string | null;
  actor_role: string;
  actor_verifier_id: string | null;
  reason: string | null;
  occurred_at: Date;
  deemed_at: Date | null;
}

/** An outcome ready to insert: validated, normalised and hashed. */
export interface NewOutcome {
  contractId: string;
  externalId: string;
  type: string;
  quantity: string | null;
  value: string | null;
  occurredAt: string;
  dimensions: Record<string, string>;
  /** Inline evidence as sent (parsed), and as JSON text for the jsonb column. */
  evidence: unknown;
  evidenceJson: string | null;
  evidenceUri: string | null;
  evidenceSha256: string | null;
  status: 'recorded' | 'verified';
  contentSha256: string;
  correctsOutcomeId: string | null;
  /** The objection window (ISO 8601) of a customer-verified type with deemed acceptance, else null. */
  objectionWindow: string | null;
  /** The contract's timezone: the window is added to the occurrence in it. */
  timezone: string;
}

/**
 * What an insert created: outcome id by `outcomeKey(contractId, externalId)`, and the transaction's
 * now(). `current` false: a guarded contract changed (or left the scope) since it was read, and
 * nothing was inserted.
 */
export interface InsertedOutcomes {
  ids: Map<string, string>;
  at: Date;
  current: boolean;
}

export const outcomeKey = (contractId: string, externalId: string) => `${contractId}\u0000${externalId}`;

export interface Actor {
  keyId: string | null;
  role: string;
  /** A verifier key's verifier: recorded on its events beside the key. */
  verifierId?: string | null;
}

/** How a scope filters `outcomes o`: the customer is the one of the outcome's contract. */
export const OUTCOME_SCOPE: ScopeColumns = {
  vendorId: 'o.vendor_id',
  contractId: 'o.contract_id',
  customerId: contractColumnSql('customer_id', { vendorId: 'o.vendor_id', contractId: 'o.contract_id' }),
};

/** The list's filters, each optional; `period` bounds are local dates in each outcome's contract timezone. */
export interface OutcomeFilter {
  contractId?: string;
  type?: string;
  status?: OutcomeStatus;
  period?: { start: string; end: string };
  occurredFrom?: string;
  occurredTo?: string;
  dimensions?: Record<string, string>;
  cursor?: string;
}

const COLUMNS = `vendor_id, id, contract_id, external_id, type, quantity, value, occurred_at, dimensions, evidence,
  evidence_uri, evidence_sha256, status, corrects_outcome_id, content_sha256, verified_at, recorded_by_key_id, created_at, deemed_after`;
const O_COLUMNS = COLUMNS.split(',').map((c) => `o.${c.trim()}`).join(', ');

/**
 * PostgreSQL's numeric text ("1.000000000000") in the normal form numericString gives ("1"), without
 * a Decimal per value: pg writes numerics in plain notation, so trimming the fraction's zeros is exact.
 */
export function numericText(v: string | null): string | null {
  if (v === null) return null;
  if (!PLAIN_DECIMAL.test(v)) return numericString.from(v);
  if (v.includes('.')) v = v.replace(/\.?0+$/, '');
  return v === '-0' ? '0' : v;
}

/**
 * JSON objects with their keys in canonical order, so that an outcome reads the same whether it is
 * built from what was just inserted or from the stored jsonb (which keeps its own key order).
 */
export function canonicalOrder<T>(v: T): T {
  if (Array.isArray(v)) return v.map(canonicalOrder) as T;
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = canonicalOrder((v as Record<string, unknown>)[k]);
  return out as T;
}

export function toOutcomeView(r: OutcomeRow): OutcomeView {
  return {
    id: r.id,
    contractId: r.contract_id,
    externalId: r.external_id,
    type: r.type,
    quantity: numericText(r.quantity),
    value: numericText(r.value),
    occurredAt: r.occurred_at.toISOString(),
    dimensions: canonicalOrder(r.dimensions),
    evidence: r.evidence === null || r.evidence === undefined ? null : canonicalOrder(r.evidence),
    evidenceUri: r.evidence_uri,
    evidenceSha256: r.evidence_sha256,
    status: r.status,
    correctsOutcomeId: r.corrects_outcome_id,
    contentSha256: r.content_sha256,
    verifiedAt: r.verified_at ? r.verified_at.toISOString() : null,
    createdAt: r.created_at.toISOString(),
  };
}

/** The view of an outcome just inserted, from its normalised input: equal to toOutcomeView of the stored row. */
export function newOutcomeView(o: NewOutcome, id: string, at: Date): OutcomeView {
  const when = at.toISOString();
  return {
    id,
    contractId: o.contractId,
    externalId: o.externalId,
    type: o.type,
    quantity: o.quantity,
    value: o.value,
    occurredAt: o.occurredAt,
    dimensions: canonicalOrder(o.dimensions),
    evidence: o.evidence === null ? null : canonicalOrder(o.evidence),
    evidenceUri: o.evidenceUri,
    evidenceSha256: o.evidenceSha256,
    status: o.status,
    correctsOutcomeId: o.correctsOutcomeId,
    contentSha256: o.contentSha256,
    verifiedAt: o.status === 'verified' ? when : null,
    createdAt: when,
  };
}

function toEventView(e: EventRow): OutcomeEventView {
  return {
    id: e.id,
    fromStatus: e.from_status,
    toStatus: e.to_status,
    actorKeyId: e.actor_key_id,
    actorRole: e.actor_role,
    actorVerifierId: e.actor_verifier_id,
    reason: e.reason,
    occurredAt: e.occurred_at.toISOString(),
    ...(e.deemed_at ? { deemedAt: e.deemed_at.toISOString() } : {}),
  };
}

/**
 * The only code that touches `outcomes` and `outcome_events`. Every method takes the caller's
 * scope and writes its filter with `scopeSql`. Events are only ever inserted: this class has no
 * statement that updates or deletes one (and the database refuses it anyway).
 */
@Injectable()
export class OutcomesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  private q(em?: EntityManager) {
    return em ?? this.db.manager;
  }

  /**
   * Inserts the outcomes that are new and their first events, in one statement (one transaction):
   * `null → recorded` by the recording key, and `recorded → verified` by the system for auto-verified
   * types. An (contract, externalId) already stored is skipped, whoever stored it, even concurrently.
   * The caller has checked each item against its contract as read with `stamp`, and that no
   * (contract, externalId) appears twice in `items` (the outcome joins its key by them); with `guard`
   * the statement inserts only if every guarded contract is still seen by the scope with that stamp,
   * so a kept copy of a contract saves its read without ever being acted on stale (one round trip).
   */
  async insertNew(
    scope: Scope,
    actor: Actor,
    items: NewOutcome[],
    em?: EntityManager,
    guard?: ReadonlyArray<{ id: string; stamp: string }>,
  ): Promise<InsertedOutcomes> {
    if (items.length === 0) return { ids: new Map(), at: new Date(), current: true };
    const col = <K extends keyof NewOutcome>(k: K) => items.map((i) => i[k]);
    // The answer is one row of arrays, not 1,000 rows: the caller already holds every other column,
    // and created_at / verified_at are the transaction's now().
    const params: unknown[] = [
      scope.vendorId,
      col('contractId'),
      col('externalId'),
      col('type'),
      col('quantity'),
      col('value'),
      col('occurredAt'),
      items.map((i) => JSON.stringify(i.dimensions)),
      col('evidenceJson'),
      col('evidenceUri'),
      col('evidenceSha256'),
      col('status'),
      col('contentSha256'),
      col('correctsOutcomeId'),
      actor.keyId,
      actor.role,
      col('objectionWindow'),
      col('timezone'),
    ];
    const current = guard ? contractsUnchangedSql(scope, guard, params) : 'true';
    type Answer = { ids: string[]; contract_ids: string[]; external_ids: string[]; at: Date; current: boolean };
    const [row] = await preparedQuery<Answer>(
      this.db,
      em,
      `WITH input AS (
         SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::timestamptz[],
                              $8::jsonb[], $9::jsonb[], $10::text[], $11::text[], $12::text[], $13::text[], $14::uuid[],
                              $17::text[], $18::text[])
                  WITH ORDINALITY AS t(contract_id, external_id, type, quantity, value, occurred_at, dimensions, evidence,
                                       evidence_uri, evidence_sha256, status, content_sha256, corrects_outcome_id,
                                       objection_window, timezone, ord)
       ), guard AS (
         SELECT ${current} AS current
       ), keys AS (
         -- The key decides what is new (outcomes is partitioned: its own keys cannot span partitions).
         INSERT INTO outcome_keys (vendor_id, contract_id, external_id, occurred_at, corrects_outcome_id)
         SELECT $1::uuid, contract_id, external_id, occurred_at, corrects_outcome_id FROM input
          WHERE (SELECT current FROM guard) ORDER BY ord
         ON CONFLICT (vendor_id, contract_id, external_id) DO NOTHING
         RETURNING id, contract_id, external_id
       ), ins AS (
         INSERT INTO outcomes (vendor_id, id, contract_id, external_id, type, quantity, value, occurred_at, dimensions, evidence,
                               evidence_uri, evidence_sha256, status, corrects_outcome_id, content_sha256, verified_at, recorded_by_key_id,
                               deemed_after)
         SELECT $1::uuid, keys.id, i.contract_id, i.external_id, i.type, i.quantity, i.value, i.occurred_at, i.dimensions, i.evidence,
                i.evidence_uri, i.evidence_sha256, i.status, i.corrects_outcome_id, i.content_sha256,
                CASE WHEN i.status = 'verified' THEN now() END, $15::uuid,
                CASE WHEN i.status = 'recorded' AND i.objection_window IS NOT NULL
                     THEN ((i.occurred_at AT TIME ZONE i.timezone) + i.objection_window::interval) AT TIME ZONE i.timezone END
           FROM input i JOIN keys ON keys.contract_id = i.contract_id AND keys.external_id = i.external_id
          ORDER BY i.ord
         RETURNING vendor_id, id, contract_id, external_id, status
       ), events AS (
         INSERT INTO outcome_events (vendor_id, outcome_id, from_status, to_status, actor_key_id, actor_role)
         SELECT ins.vendor_id, ins.id, e.from_status, e.to_status, e.actor_key_id, e.actor_role
           FROM ins CROSS JOIN LATERAL (VALUES (1, NULL::text, 'recorded'::text, $15::uuid, $16::text),
                                               (2, 'recorded', 'verified', NULL::uuid, 'system')) AS e(n, from_status, to_status, actor_key_id, actor_role)
          WHERE e.n = 1 OR ins.status = 'verified'
          ORDER BY ins.id, e.n
       )
       SELECT coalesce(array_agg(id::text), '{}') AS ids, coalesce(array_agg(contract_id::text), '{}') AS contract_ids,
              coalesce(array_agg(external_id), '{}') AS external_ids, now() AS at, (SELECT current FROM guard) AS current
         FROM ins`,
      params,
    );
    const ids = new Map<string, string>();
    row.ids.forEach((id, i) => ids.set(outcomeKey(row.contract_ids[i], row.external_ids[i]), id));
    return { ids, at: row.at, current: row.current !== false };
  }

  /** The stored outcomes of these (contract, externalId) pairs that the scope sees. */
  async findByExternalIds(scope: Scope, keys: Array<{ contractId: string; externalId: string }>, em?: EntityManager): Promise<OutcomeRow[]> {
    if (keys.length === 0) return [];
    const params: unknown[] = [keys.map((k) => k.contractId), keys.map((k) => k.externalId), scope.vendorId];
    // Through the key (the unique index, and the occurrence that picks the outcome's partition).
    return this.q(em).query(
      `SELECT ${O_COLUMNS}
         FROM unnest($1::uuid[], $2::text[]) AS k(contract_id, external_id)
         JOIN outcome_keys ok ON ok.vendor_id = $3::uuid AND ok.contract_id = k.contract_id AND ok.external_id = k.external_id
         JOIN outcomes o ON o.vendor_id = ok.vendor_id AND o.id = ok.id AND o.occurred_at = ok.occurred_at
        WHERE ${scopeSql(scope, OUTCOME_SCOPE, params)}`,
      params,
    );
  }

  /** One outcome the scope sees; locked when `forUpdate`. */
  async findOne(scope: Scope, id: string, opts: { forUpdate?: boolean } = {}, em?: EntityManager): Promise<OutcomeRow | null> {
    const params: unknown[] = [id, scope.vendorId];
    // The key's occurrence prunes the probe to the outcome's partition (at execution: an InitPlan).
    const rows = await this.q(em).query(
      `SELECT ${O_COLUMNS} FROM outcomes o
        WHERE o.id = $1 AND o.occurred_at = (SELECT k.occurred_at FROM outcome_keys k WHERE k.vendor_id = $2::uuid AND k.id = $1)
          AND ${scopeSql(scope, OUTCOME_SCOPE, params)} ${opts.forUpdate ? 'FOR UPDATE OF o' : ''}`,
      params,
    );
    return rows[0] ?? null;
  }

  /** Moves one outcome the scope sees and appends its event, in the caller's transaction. */
  async transition(scope: Scope, em: EntityManager, row: OutcomeRow, to: OutcomeStatus, actor: Actor, reason: string | null): Promise<OutcomeRow> {
    const params: unknown[] = [row.id, to, row.occurred_at];
    // pg answers an UPDATE with [rows, rowCount] through TypeORM. The occurrence picks the partition.
    const [[updated]] = await em.query(
      `UPDATE outcomes o SET status = $2::text, verified_at = CASE WHEN $2::text = 'verified' THEN now() ELSE o.verified_at END
        WHERE o.id = $1 AND o.occurred_at = $3::timestamptz AND ${scopeSql(scope, OUTCOME_SCOPE, params)} RETURNING ${O_COLUMNS}`,
      params,
    );
    if (!updated) throw new Error(`outcome ${row.id} is outside the scope it was read in`);
    await em.query(
      `INSERT INTO outcome_events (vendor_id, outcome_id, from_status, to_status, actor_key_id, actor_role, actor_verifier_id, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [updated.vendor_id, row.id, row.status, to, actor.keyId, actor.role, actor.verifierId ?? null, reason],
    );
    return updated;
  }

  /**
   * Moves every listed `recorded` outcome the scope sees to `to`, and appends one event each, in
   * one statement. Returns the ids moved.
   */
  async bulkDecide(scope: Scope, ids: string[], to: 'verified' | 'rejected', actor: Actor, reason: string | null): Promise<string[]> {
    const params: unknown[] = [ids, to, actor.keyId, actor.role, reason, actor.verifierId ?? null];
    const rows: Array<{ id: string }> = await this.db.query(
      `WITH moved AS (
         UPDATE outcomes o SET status = $2::text, verified_at = CASE WHEN $2::text = 'verified' THEN now() ELSE o.verified_at END
          WHERE o.id = ANY($1::uuid[]) AND o.status = 'recorded' AND ${scopeSql(scope, OUTCOME_SCOPE, params)}
            AND ($2::text = 'verified' OR o.deemed_after IS NULL OR o.deemed_after > now())
         RETURNING o.vendor_id, o.id
       ), events AS (
         INSERT INTO outcome_events (vendor_id, outcome_id, from_status, to_status, actor_key_id, actor_role, reason, actor_verifier_id)
         SELECT vendor_id, id, 'recorded', $2::text, $3::uuid, $4::text, $5::text, $6::uuid FROM moved ORDER BY id
       )
       SELECT id FROM moved`,
      params,
    );
    return rows.map((r) => r.id);
  }

  /** Whether the outcome's objection window has lapsed by the database's clock (it is deemed accepted). */
  async objectionLapsed(scope: Scope, em: EntityManager, id: string): Promise<boolean> {
    const params: unknown[] = [id];
    const [r] = await em.query(
      `SELECT (o.deemed_after IS NOT NULL AND o.deemed_after <= now()) AS lapsed FROM outcomes o WHERE o.id = $1 AND ${scopeSql(scope, OUTCOME_SCOPE, params)}`,
      params,
    );
    return r?.lapsed ?? false;
  }

  /**
   * Deemed acceptance: moves the scope's \`recorded\` outcomes whose objection window lapsed by now
   * (at most \`limit\`, oldest deadline first; \`ids\` narrows to those) to \`verified\` by the system,
   * verified as of the deadline, each with its event saying when it was deemed. Idempotent: a row
   * moved (or decided) already is no longer \`recorded\`; concurrent sweeps skip each other's rows.
   */
  async deemLapsed(scope: Scope, limit: number, em?: EntityManager, ids?: string[]): Promise<Array<{ id: string; contractId: string }>> {
    const params: unknown[] = [limit, ids ?? null];
    const rows: Array<{ id: string; contract_id: string }> = await this.q(em).query(
      `WITH due AS (
         SELECT o.vendor_id, o.id, o.occurred_at, o.deemed_after FROM outcomes o
          WHERE o.status = 'recorded' AND o.deemed_after <= now() AND ($2::uuid[] IS NULL OR o.id = ANY($2::uuid[]))
            AND ${scopeSql(scope, OUTCOME_SCOPE, params)}
          ORDER BY o.deemed_after, o.id LIMIT $1 FOR UPDATE OF o SKIP LOCKED
       ), moved AS (
         UPDATE outcomes o SET status = 'verified', verified_at = due.deemed_after
           FROM due WHERE o.vendor_id = due.vendor_id AND o.id = due.id AND o.occurred_at = due.occurred_at AND o.status = 'recorded'
         RETURNING o.vendor_id, o.id, o.contract_id, o.deemed_after
       ), events AS (
         INSERT INTO outcome_events (vendor_id, outcome_id, from_status, to_status, actor_key_id, actor_role, reason, deemed_at)
         SELECT vendor_id, id, 'recorded', 'verified', NULL, 'system', 'deemed accepted: the objection window lapsed', deemed_after
           FROM moved ORDER BY id
       )
       SELECT id, contract_id FROM moved`,
      params,
    );
    return rows.map((r) => ({ id: r.id, contractId: r.contract_id }));
  }

  /**
   * The system's one read across vendors: which vendors have recorded claims whose objection window
   * lapsed (the sweep then deems them vendor by vendor, in each vendor's scope).
   */
  async vendorsWithLapsedClaims(em?: EntityManager): Promise<string[]> {
    const rows: Array<{ vendor_id: string }> = await this.q(em).query(
      `SELECT DISTINCT o.vendor_id FROM outcomes o WHERE o.status = 'recorded' AND o.deemed_after <= now() ORDER BY o.vendor_id`,
    );
    return rows.map((r) => r.vendor_id);
  }

  /** Which of these ids the scope sees, with their status. */
  /** What deciding needs of listed `recorded` outcomes the scope sees: their contract, type and occurrence. */
  async decisionSubjects(scope: Scope, ids: string[]): Promise<Array<Pick<OutcomeRow, 'id' | 'contract_id' | 'type' | 'occurred_at'>>> {
    if (ids.length === 0) return [];
    const params: unknown[] = [ids];
    return this.db.query(
      `SELECT o.id, o.contract_id, o.type, o.occurred_at FROM outcomes o
        WHERE o.id = ANY($1::uuid[]) AND o.status = 'recorded' AND ${scopeSql(scope, OUTCOME_SCOPE, params)}`,
      params,
    );
  }

  async statusesOf(scope: Scope, ids: string[]): Promise<Map<string, OutcomeStatus>> {
    if (ids.length === 0) return new Map();
    const params: unknown[] = [ids];
    const rows: Array<{ id: string; status: OutcomeStatus }> = await this.db.query(
      `SELECT o.id, o.status FROM outcomes o WHERE o.id = ANY($1::uuid[]) AND ${scopeSql(scope, OUTCOME_SCOPE, params)}`,
      params,
    );
    return new Map(rows.map((r) => [r.id, r.status]));
  }

  /**
   * Whether a dispute window of `days` after the outcome's last verification is still open (by the
   * database's clock), and whether the outcome was disputed before.
   */
  async disputeState(scope: Scope, em: EntityManager, id: string, days: number): Promise<{ open: boolean; disputedBefore: boolean }> {
    const params: unknown[] = [id, days];
    const [r] = await em.query(
      `SELECT (o.verified_at IS NOT NULL AND now() < o.verified_at + make_interval(days => $2::int)) AS open,
              EXISTS (SELECT 1 FROM outcome_events e WHERE e.vendor_id = o.vendor_id AND e.outcome_id = o.id AND e.to_status = 'disputed')
                AS disputed_before
         FROM outcomes o WHERE o.id = $1 AND ${scopeSql(scope, OUTCOME_SCOPE, params)}`,
      params,
    );
    return { open: r?.open ?? false, disputedBefore: r?.disputed_before ?? false };
  }

  /** The outcome with its events, oldest first. */
  async detail(scope: Scope, row: OutcomeRow, em?: EntityManager): Promise<OutcomeDetailView> {
    const params: unknown[] = [row.id];
    const events: EventRow[] = await this.q(em).query(
      `SELECT e.id, e.from_status, e.to_status, e.actor_key_id, e.actor_role, e.actor_verifier_id, e.reason, e.occurred_at, e.deemed_at
         FROM outcome_events e JOIN outcomes o ON o.vendor_id = e.vendor_id AND o.id = e.outcome_id
        WHERE o.id = $1 AND ${scopeSql(scope, OUTCOME_SCOPE, params)} ORDER BY e.id`,
      params,
    );
    return { ...toOutcomeView(row), events: events.map(toEventView) };
  }

  /** Keyset page over ids (newest first) with the list filters: `limit + 1` rows tell whether there is more. */
  /** The list filters of `page` and `countByStatus`, within the scope (written once). */
  private filterSql(scope: Scope, f: OutcomeFilter, params: unknown[]): string[] {
    const arg = (v: unknown) => `$${params.push(v)}`;
    const where = [scopeSql(scope, OUTCOME_SCOPE, params)];
    if (f.contractId) where.push(`o.contract_id = ${arg(f.contractId)}::uuid`);
    if (f.type) where.push(`o.type = ${arg(f.type)}`);
    if (f.status) where.push(`o.status = ${arg(f.status)}`);
    if (f.period) {
      // The month in each contract's own timezone.
      const tz = contractColumnSql('timezone', { vendorId: 'o.vendor_id', contractId: 'o.contract_id' });
      where.push(`o.occurred_at >= (${arg(f.period.start)}::timestamp AT TIME ZONE ${tz})`);
      where.push(`o.occurred_at < (${arg(f.period.end)}::timestamp AT TIME ZONE ${tz})`);
    }
    if (f.occurredFrom) where.push(`o.occurred_at >= ${arg(f.occurredFrom)}::timestamptz`);
    if (f.occurredTo) where.push(`o.occurred_at < ${arg(f.occurredTo)}::timestamptz`);
    if (f.dimensions && Object.keys(f.dimensions).length) where.push(`o.dimensions @> ${arg(JSON.stringify(f.dimensions))}::jsonb`);
    if (f.cursor) where.push(`o.id < ${arg(decodeCursor(f.cursor))}::uuid`);
    return where;
  }

  async page(scope: Scope, f: OutcomeFilter, limit: number): Promise<OutcomeRow[]> {
    const params: unknown[] = [];
    const where = this.filterSql(scope, f, params);
    return this.db.query(`SELECT ${O_COLUMNS} FROM outcomes o WHERE ${where.join(' AND ')} ORDER BY o.id DESC LIMIT ${limit + 1}`, params);
  }

  /** Outcomes per status under the same filters as `page` (status and cursor ignored), counted in SQL. */
  async countByStatus(scope: Scope, f: OutcomeFilter): Promise<Array<{ status: OutcomeStatus; n: number }>> {
    const params: unknown[] = [];
    const where = this.filterSql(scope, { ...f, status: undefined, cursor: undefined }, params);
    return this.db.query(`SELECT o.status, count(*)::int AS n FROM outcomes o WHERE ${where.join(' AND ')} GROUP BY o.status`, params);
  }


  /**
   * Creates the monthly partitions of outcomes and outcome_events for `months` months from the
   * month of `from` (a date) that do not exist yet; answers how many it created. The function runs
   * as the schema owner (the service role may not CREATE).
   */
  async createMonthlyPartitions(from: string, months: number): Promise<number> {
    const [r] = await this.db.query(`SELECT ol_create_outcome_partitions($1::date, $2::int) AS created`, [from, months]);
    return r.created;
  }

  /** Counts and sums per type and status of one contract for `[start, end)` local dates in its timezone. */
  async stats(
    scope: Scope,
    contractId: string,
    bounds: { start: string; end: string; timezone: string },
  ): Promise<Array<{ type: string; status: OutcomeStatus; n: number; deemed: number; quantity: string; value: string }>> {
    const params: unknown[] = [contractId, bounds.start, bounds.end, bounds.timezone];
    // A claim whose objection window lapsed counts as verified (deemed) even before the sweep
    // moves it, as billing counts it; `deemed` counts those and the ones the sweep deemed.
    return this.db.query(
      `SELECT s.type, s.status, count(*)::int AS n, count(*) FILTER (WHERE s.deemed)::int AS deemed,
              coalesce(sum(s.quantity), 0)::text AS quantity, coalesce(sum(s.value), 0)::text AS value
         FROM (SELECT o.type, o.quantity, o.value,
                      CASE WHEN o.status = 'recorded' AND o.deemed_after <= now() THEN 'verified' ELSE o.status END AS status,
                      (o.status = 'recorded' AND o.deemed_after <= now())
                        OR (o.status = 'verified' AND o.deemed_after IS NOT NULL AND EXISTS (
                              SELECT 1 FROM outcome_events e WHERE e.vendor_id = o.vendor_id AND e.outcome_id = o.id AND e.deemed_at IS NOT NULL)
                            AND NOT EXISTS (
                              SELECT 1 FROM outcome_events e WHERE e.vendor_id = o.vendor_id AND e.outcome_id = o.id AND e.from_status = 'disputed'))
                        AS deemed
                 FROM outcomes o
                WHERE o.contract_id = $1 AND o.occurred_at >= ($2::timestamp AT TIME ZONE $4) AND o.occurred_at < ($3::timestamp AT TIME ZONE $4)
                  AND ${scopeSql(scope, OUTCOME_SCOPE, params)}) s
        GROUP BY s.type, s.status
        ORDER BY s.type, s.status`,
      params,
    );
  }
}
