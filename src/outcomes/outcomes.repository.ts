import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { numericString } from '../common/money';
import type { Terms } from '../pricing/types';
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
}

interface EventRow {
  id: string;
  from_status: OutcomeStatus | null;
  to_status: OutcomeStatus;
  actor_key_id: string | null;
  actor_role: string;
  reason: string | null;
  occurred_at: Date;
}

/** One contract and its terms versions, newest first: what recording checks an outcome against. */
export interface ContractTermsRow {
  id: string;
  customer_id: string;
  currency: string;
  timezone: string;
  starts_on: string;
  ends_on: string | null;
  versions: Array<{ effectiveFrom: string; document: Terms }>;
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
}

/** What an insert created: outcome id by `outcomeKey(contractId, externalId)`, and the transaction's now(). */
export interface InsertedOutcomes {
  ids: Map<string, string>;
  at: Date;
}

export const outcomeKey = (contractId: string, externalId: string) => `${contractId}\u0000${externalId}`;

export interface Actor {
  keyId: string | null;
  role: string;
}

const COLUMNS = `vendor_id, id, contract_id, external_id, type, quantity, value, occurred_at, dimensions, evidence,
  evidence_uri, evidence_sha256, status, corrects_outcome_id, content_sha256, verified_at, recorded_by_key_id, created_at`;

/**
 * PostgreSQL's numeric text ("1.000000000000") in the normal form numericString gives ("1"), without
 * a Decimal per value: pg writes numerics in plain notation, so trimming the fraction's zeros is exact.
 */
export function numericText(v: string | null): string | null {
  if (v === null) return null;
  if (!/^-?\d+(\.\d+)?$/.test(v)) return numericString.from(v);
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
    reason: e.reason,
    occurredAt: e.occurred_at.toISOString(),
  };
}

/**
 * The only code that touches `outcomes` and `outcome_events`. Events are only ever inserted: this
 * class has no statement that updates or deletes one (and the database refuses it anyway).
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

  /** The contracts (vendor-scoped, and customer-scoped for customer keys) with their terms versions. */
  async contractsWithTerms(vendorId: string, contractIds: string[], customerId: string | null, em?: EntityManager): Promise<ContractTermsRow[]> {
    return this.q(em).query(
      `SELECT c.id, c.customer_id, c.currency, c.timezone, c.starts_on::text AS starts_on, c.ends_on::text AS ends_on,
              json_agg(json_build_object('effectiveFrom', t.effective_from::text, 'document', t.document)
                       ORDER BY t.effective_from DESC) AS versions
         FROM contracts c
         JOIN terms_versions t ON t.vendor_id = c.vendor_id AND t.contract_id = c.id
        WHERE c.vendor_id = $1 AND c.id = ANY($2::uuid[]) AND ($3::uuid IS NULL OR c.customer_id = $3)
        GROUP BY c.vendor_id, c.id`,
      [vendorId, contractIds, customerId],
    );
  }

  /**
   * Inserts the outcomes that are new and their first events, in one statement (one transaction):
   * `null → recorded` by the recording key, and `recorded → verified` by the system for auto-verified
   * types. An (contract, externalId) already stored is skipped, whoever stored it, even concurrently.
   */
  async insertNew(vendorId: string, actor: Actor, items: NewOutcome[], em?: EntityManager): Promise<InsertedOutcomes> {
    if (items.length === 0) return { ids: new Map(), at: new Date() };
    const col = <K extends keyof NewOutcome>(k: K) => items.map((i) => i[k]);
    // The answer is one row of arrays, not 1,000 rows: the caller already holds every other column,
    // and created_at / verified_at are the transaction's now().
    const [row]: Array<{ ids: string[]; contract_ids: string[]; external_ids: string[]; at: Date }> = await this.q(em).query(
      `WITH input AS (
         SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::timestamptz[],
                              $8::jsonb[], $9::jsonb[], $10::text[], $11::text[], $12::text[], $13::text[], $14::uuid[])
                  WITH ORDINALITY AS t(contract_id, external_id, type, quantity, value, occurred_at, dimensions, evidence,
                                       evidence_uri, evidence_sha256, status, content_sha256, corrects_outcome_id, ord)
       ), ins AS (
         INSERT INTO outcomes (vendor_id, contract_id, external_id, type, quantity, value, occurred_at, dimensions, evidence,
                               evidence_uri, evidence_sha256, status, corrects_outcome_id, content_sha256, verified_at, recorded_by_key_id)
         SELECT $1::uuid, contract_id, external_id, type, quantity, value, occurred_at, dimensions, evidence, evidence_uri,
                evidence_sha256, status, corrects_outcome_id, content_sha256,
                CASE WHEN status = 'verified' THEN now() END, $15::uuid
           FROM input ORDER BY ord
         ON CONFLICT (vendor_id, contract_id, external_id) DO NOTHING
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
              coalesce(array_agg(external_id), '{}') AS external_ids, now() AS at
         FROM ins`,
      [
        vendorId,
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
      ],
    );
    const ids = new Map<string, string>();
    row.ids.forEach((id, i) => ids.set(outcomeKey(row.contract_ids[i], row.external_ids[i]), id));
    return { ids, at: row.at };
  }

  /** The stored outcomes of these (contract, externalId) pairs. */
  async findByExternalIds(vendorId: string, keys: Array<{ contractId: string; externalId: string }>, em?: EntityManager): Promise<OutcomeRow[]> {
    if (keys.length === 0) return [];
    return this.q(em).query(
      `SELECT ${COLUMNS.split(',').map((c) => `o.${c.trim()}`).join(', ')}
         FROM outcomes o
         JOIN unnest($2::uuid[], $3::text[]) AS k(contract_id, external_id)
           ON o.contract_id = k.contract_id AND o.external_id = k.external_id
        WHERE o.vendor_id = $1`,
      [vendorId, keys.map((k) => k.contractId), keys.map((k) => k.externalId)],
    );
  }

  /** One outcome with its contract's customer and timezone; locked when `forUpdate`. */
  async findOne(
    vendorId: string,
    id: string,
    opts: { forUpdate?: boolean } = {},
    em?: EntityManager,
  ): Promise<(OutcomeRow & { customer_id: string }) | null> {
    const rows = await this.q(em).query(
      `SELECT o.*, c.customer_id FROM outcomes o
         JOIN contracts c ON c.vendor_id = o.vendor_id AND c.id = o.contract_id
        WHERE o.vendor_id = $1 AND o.id = $2 ${opts.forUpdate ? 'FOR UPDATE OF o' : ''}`,
      [vendorId, id],
    );
    return rows[0] ?? null;
  }

  /** Moves one outcome and appends its event, in the caller's transaction. */
  async transition(
    em: EntityManager,
    row: OutcomeRow,
    to: OutcomeStatus,
    actor: Actor,
    reason: string | null,
  ): Promise<OutcomeRow> {
    // pg answers an UPDATE with [rows, rowCount] through TypeORM.
    const [[updated]] = await em.query(
      `UPDATE outcomes SET status = $3::text, verified_at = CASE WHEN $3::text = 'verified' THEN now() ELSE verified_at END
        WHERE vendor_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [row.vendor_id, row.id, to],
    );
    await em.query(
      `INSERT INTO outcome_events (vendor_id, outcome_id, from_status, to_status, actor_key_id, actor_role, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [row.vendor_id, row.id, row.status, to, actor.keyId, actor.role, reason],
    );
    return updated;
  }

  /**
   * Moves every listed `recorded` outcome of the customer's contracts to `to`, and appends one event
   * each, in one statement. Returns the ids moved.
   */
  async bulkDecide(
    vendorId: string,
    customerId: string,
    ids: string[],
    to: 'verified' | 'rejected',
    actor: Actor,
    reason: string | null,
  ): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `WITH moved AS (
         UPDATE outcomes o SET status = $4::text, verified_at = CASE WHEN $4::text = 'verified' THEN now() ELSE o.verified_at END
           FROM contracts c
          WHERE o.vendor_id = $1 AND o.id = ANY($2::uuid[]) AND o.status = 'recorded'
            AND c.vendor_id = o.vendor_id AND c.id = o.contract_id AND c.customer_id = $3::uuid
         RETURNING o.vendor_id, o.id
       ), events AS (
         INSERT INTO outcome_events (vendor_id, outcome_id, from_status, to_status, actor_key_id, actor_role, reason)
         SELECT vendor_id, id, 'recorded', $4::text, $5::uuid, $6::text, $7::text FROM moved ORDER BY id
       )
       SELECT id FROM moved`,
      [vendorId, ids, customerId, to, actor.keyId, actor.role, reason],
    );
    return rows.map((r) => r.id);
  }

  /** Which of these ids the customer (or, without one, the vendor) sees, with their status. */
  async statusesOf(vendorId: string, customerId: string | null, ids: string[]): Promise<Map<string, OutcomeStatus>> {
    if (ids.length === 0) return new Map();
    const rows: Array<{ id: string; status: OutcomeStatus }> = await this.db.query(
      `SELECT o.id, o.status FROM outcomes o JOIN contracts c ON c.vendor_id = o.vendor_id AND c.id = o.contract_id
        WHERE o.vendor_id = $1 AND o.id = ANY($2::uuid[]) AND ($3::uuid IS NULL OR c.customer_id = $3)`,
      [vendorId, ids, customerId],
    );
    return new Map(rows.map((r) => [r.id, r.status]));
  }

  /** Dispute window of the terms in force when the outcome occurred, and whether it is still open. */
  async disputeWindow(em: EntityManager, row: OutcomeRow): Promise<{ days: number; open: boolean; disputedBefore: boolean }> {
    const [r] = await em.query(
      `WITH w AS (
         SELECT coalesce((
           SELECT (t.document->>'disputeWindowDays')::int FROM terms_versions t
            WHERE t.vendor_id = o.vendor_id AND t.contract_id = o.contract_id
              AND t.effective_from <= (o.occurred_at AT TIME ZONE c.timezone)::date
            ORDER BY t.effective_from DESC LIMIT 1), 30) AS days, o.verified_at
           FROM outcomes o JOIN contracts c ON c.vendor_id = o.vendor_id AND c.id = o.contract_id
          WHERE o.vendor_id = $1 AND o.id = $2
       )
       SELECT w.days, (w.verified_at IS NOT NULL AND now() < w.verified_at + make_interval(days => w.days)) AS open,
              EXISTS (SELECT 1 FROM outcome_events e WHERE e.vendor_id = $1 AND e.outcome_id = $2 AND e.to_status = 'disputed')
                AS disputed_before
         FROM w`,
      [row.vendor_id, row.id],
    );
    return { days: r.days, open: r.open, disputedBefore: r.disputed_before };
  }

  async detail(row: OutcomeRow, em?: EntityManager): Promise<OutcomeDetailView> {
    const events: EventRow[] = await this.q(em).query(
      `SELECT id, from_status, to_status, actor_key_id, actor_role, reason, occurred_at FROM outcome_events
        WHERE vendor_id = $1 AND outcome_id = $2 ORDER BY id`,
      [row.vendor_id, row.id],
    );
    return { ...toOutcomeView(row), events: events.map(toEventView) };
  }

  /** Keyset page over ids (newest first) with the list filters; `where` is built by the service. */
  async page(where: string[], params: unknown[], limit: number): Promise<OutcomeRow[]> {
    return this.db.query(
      `SELECT ${COLUMNS.split(',').map((c) => `o.${c.trim()}`).join(', ')}
         FROM outcomes o JOIN contracts c ON c.vendor_id = o.vendor_id AND c.id = o.contract_id
        WHERE ${where.join(' AND ')}
        ORDER BY o.id DESC LIMIT ${limit + 1}`,
      params,
    );
  }

  /**
   * Outcomes per status under the same filters as `page`. Without a filter on the contract's
   * timezone the join is left out, so outcomes_by_status answers it as an index-only scan.
   */
  async countByStatus(where: string[], params: unknown[], joinContracts: boolean): Promise<Array<{ status: OutcomeStatus; n: number }>> {
    const join = joinContracts ? 'JOIN contracts c ON c.vendor_id = o.vendor_id AND c.id = o.contract_id' : '';
    return this.db.query(
      `SELECT o.status, count(*)::int AS n
         FROM outcomes o ${join}
        WHERE ${where.join(' AND ')}
        GROUP BY o.status`,
      params,
    );
  }

  /** Counts and sums per type and status for `[start, end)` local dates in the timezone. */
  async stats(
    vendorId: string,
    contractId: string,
    start: string,
    end: string,
    timezone: string,
  ): Promise<Array<{ type: string; status: OutcomeStatus; n: number; quantity: string; value: string }>> {
    return this.db.query(
      `SELECT o.type, o.status, count(*)::int AS n, coalesce(sum(o.quantity), 0)::text AS quantity,
              coalesce(sum(o.value), 0)::text AS value
         FROM outcomes o
        WHERE o.vendor_id = $1 AND o.contract_id = $2
          AND o.occurred_at >= ($3::timestamp AT TIME ZONE $5) AND o.occurred_at < ($4::timestamp AT TIME ZONE $5)
        GROUP BY o.type, o.status
        ORDER BY o.type, o.status`,
      [vendorId, contractId, start, end, timezone],
    );
  }
}
