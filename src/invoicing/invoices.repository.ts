import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scope, scopeSql } from '../auth/scope';
import { Money } from '../common/money';
import { Params, Queryable } from '../common/sql';
import type { SpendLimit } from '../pricing/types';
import type { Invoice, InvoiceStatus } from './entities/invoice.entity';

const INVOICE_COLS = `i.vendor_id AS "vendorId", i.id, i.contract_id AS "contractId", i.customer_id AS "customerId",
       i.period_label AS "periodLabel", i.period_start::text AS "periodStart", i.period_end::text AS "periodEnd", i.status,
       i.number, i.currency, i.terms_version_id AS "termsVersionId", i.subtotal::text AS subtotal, i.tax::text AS tax,
       i.total::text AS total, i.lines, i.trace, i.trace_json AS "traceJson", i.trace_digest AS "traceDigest", i.refusal,
       i.computed_at AS "computedAt", i.finalized_at AS "finalizedAt", i.journal_entry_id AS "journalEntryId",
       i.issue_date::text AS "issueDate", i.due_date::text AS "dueDate", i.time_zone AS "timeZone",
       i.payment_terms_days AS "paymentTermsDays", i.po_reference AS "poReference", i.spend_limit AS "spendLimit",
       (SELECT jsonb_build_object('number', x.number, 'issuedOn', x.issued_on::text, 'recordedAt', x.recorded_at)
          FROM invoice_tax_invoices x WHERE x.vendor_id = i.vendor_id AND x.invoice_id = i.id) AS "taxInvoice",
       i.created_at AS "createdAt"`;

const decimal = (v: string | null) => (v === null ? null : new Money(v).toFixed());
/** `numeric` as the entity gives it: the shortest exact decimal string. */
const invoiceOf = (r: Invoice): Invoice => ({ ...r, subtotal: decimal(r.subtotal), tax: decimal(r.tax), total: decimal(r.total) });

/**
 * Invoices in a scope: a customer sees its own and never a draft (a draft is the vendor's
 * working copy); an auditor sees those of its granted contracts.
 */
export function invoiceScope(scope: Scope, ps: Params, alias = 'i'): string {
  const where = scopeSql(scope, { vendorId: `${alias}.vendor_id`, contractId: `${alias}.contract_id`, customerId: `${alias}.customer_id` }, ps.values);
  return scope.customerId ? `${where} AND ${alias}.status <> 'draft'` : where;
}

/**
 * invoice_outcomes rows (`io`) follow their invoice's scope. Only drafts are hidden from a
 * customer, and a draft records no outcomes, so the invoice's contract and customer suffice.
 */
export function invoiceOutcomeScope(scope: Scope, ps: Params): string {
  const ofInvoice = (col: string) => `(SELECT i.${col} FROM invoices i WHERE i.vendor_id = io.vendor_id AND i.id = io.invoice_id)`;
  return scopeSql(scope, { vendorId: 'io.vendor_id', contractId: ofInvoice('contract_id'), customerId: ofInvoice('customer_id') }, ps.values);
}

export interface DraftRow {
  contractId: string;
  customerId: string;
  periodLabel: string;
  periodStart: string;
  periodEnd: string;
  currency: string;
  termsVersionId: string;
  subtotal: string | null;
  tax: string | null;
  total: string | null;
  lines: unknown[];
  traceJson: string | null;
  traceDigest: string | null;
  refusal: unknown;
  /** The hard limit priced with (absent: none). */
  spendLimit?: SpendLimit | null;
}

export interface FrozenFields {
  status: 'finalized' | 'paid';
  number: string;
  termsVersionId: string;
  subtotal: string;
  tax: string;
  total: string;
  lines: unknown[];
  traceJson: string;
  traceDigest: string;
  finalizedAt: Date;
  journalEntryId: string | null;
  issueDate: string;
  dueDate: string;
  timeZone: string;
  paymentTermsDays: number;
  poReference: string | null;
  /** The hard limit priced with (absent: none). */
  spendLimit?: SpendLimit | null;
  /** The xmin of the finalizing transaction's snapshot before its claims (`snapshotXmin`). */
  claimXmin?: string | null;
}

/** Amounts paid and credited, derived from payments and credit notes (never stored on the invoice). */
export interface Settled {
  paid: string;
  credited: string;
}

/** The SQL of the paid and credited amounts of the invoice `i`. */
export const SETTLED_SQL = `
  (SELECT COALESCE(sum(amount), 0) FROM payments x WHERE x.vendor_id = i.vendor_id AND x.invoice_id = i.id)::text AS paid,
  (SELECT COALESCE(sum(total), 0) FROM credit_notes x WHERE x.vendor_id = i.vendor_id AND x.invoice_id = i.id)::text AS credited`;

/** The only code that speaks SQL to `invoices` and `document_number_counters`. */
@Injectable()
export class InvoicesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async find(scope: Scope, id: string, opts: { lock?: boolean } = {}, em: Queryable = this.db.manager): Promise<Invoice | null> {
    const ps = new Params();
    const where = invoiceScope(scope, ps);
    const [row] = await em.query(
      `SELECT ${INVOICE_COLS} FROM invoices i WHERE ${where} AND i.id = ${ps.add(id)}${opts.lock ? ' FOR UPDATE' : ''}`,
      ps.values,
    );
    return row ? invoiceOf(row) : null;
  }

  /** Newest first, keyset on the id; `limit + 1` rows so the caller knows whether more follow. */
  async list(
    scope: Scope,
    q: { contractId?: string; customerId?: string; period?: string; status?: InvoiceStatus; before?: string; limit: number },
    em: Queryable = this.db.manager,
  ): Promise<Invoice[]> {
    const ps = new Params();
    const where = [invoiceScope(scope, ps)];
    if (q.contractId) where.push(`i.contract_id = ${ps.add(q.contractId)}`);
    if (q.customerId) where.push(`i.customer_id = ${ps.add(q.customerId)}`);
    if (q.period) where.push(`i.period_label = ${ps.add(q.period)}`);
    if (q.status) where.push(`i.status = ${ps.add(q.status)}`);
    if (q.before) where.push(`i.id < ${ps.add(q.before)}`);
    const rows: Invoice[] = await em.query(
      `SELECT ${INVOICE_COLS} FROM invoices i WHERE ${where.join(' AND ')} ORDER BY i.id DESC LIMIT ${ps.add(q.limit + 1)}`,
      ps.values,
    );
    return rows.map(invoiceOf);
  }

  /** The invoice of a contract's period, if any. */
  async findOfPeriod(
    scope: Scope,
    contractId: string,
    periodStart: string,
    em: Queryable = this.db.manager,
  ): Promise<{ id: string; status: InvoiceStatus } | null> {
    return (await this.findOfPeriods(scope, [{ contractId, periodStart }], em)).get(contractId) ?? null;
  }

  /** The invoices of several contracts' periods in one statement, by contract id (those that have one). */
  async findOfPeriods(
    scope: Scope,
    periods: ReadonlyArray<{ contractId: string; periodStart: string }>,
    em: Queryable = this.db.manager,
  ): Promise<Map<string, { id: string; status: InvoiceStatus }>> {
    if (periods.length === 0) return new Map();
    const ps = new Params();
    const where = invoiceScope(scope, ps);
    const rows: Array<{ contract_id: string; id: string; status: InvoiceStatus }> = await em.query(
      `SELECT i.contract_id, i.id, i.status FROM invoices i
         JOIN unnest(${ps.add(periods.map((p) => p.contractId))}::uuid[], ${ps.add(periods.map((p) => p.periodStart))}::date[]) AS p(contract_id, start)
           ON i.contract_id = p.contract_id AND i.period_start = p.start
        WHERE ${where}`,
      ps.values,
    );
    return new Map(rows.map((r) => [r.contract_id, { id: r.id, status: r.status }]));
  }

  /**
   * Creates or recomputes the draft of a contract's period; a finalized invoice of that period is
   * left alone (then no id is returned). The unique key keeps one invoice per contract and period.
   */
  async upsertDraft(scope: Scope, d: DraftRow, em: Queryable = this.db.manager): Promise<string | null> {
    return (await this.upsertDrafts(scope, [d], em)).get(d.contractId) ?? null;
  }

  /**
   * The same for several contracts in one statement (a billing run's chunk; one period per
   * contract): the ids of the drafts written, by contract id. A contract whose period's invoice
   * left draft has no id.
   */
  async upsertDrafts(scope: Scope, ds: readonly DraftRow[], em: Queryable = this.db.manager): Promise<Map<string, string>> {
    if (ds.length === 0) return new Map();
    // Rows locked in contract order, so that two upserts over the same contracts queue rather than deadlock.
    const sorted = [...ds].sort((a, b) => (a.contractId < b.contractId ? -1 : a.contractId > b.contractId ? 1 : 0));
    const col = <T>(f: (d: DraftRow) => T) => sorted.map(f);
    const rows: Array<{ id: string; contract_id: string }> = await em.query(
      `INSERT INTO invoices (vendor_id, contract_id, customer_id, period_label, period_start, period_end, status, currency,
                             terms_version_id, subtotal, tax, total, lines, trace, trace_json, trace_digest, refusal, computed_at, spend_limit)
       SELECT $1, d.contract_id, d.customer_id, d.period_label, d.period_start, d.period_end, 'draft', d.currency, d.terms_version_id,
              d.subtotal, d.tax, d.total, d.lines::jsonb, d.trace_json::jsonb, d.trace_json, d.trace_digest, d.refusal::jsonb, clock_timestamp(), d.spend_limit::jsonb
         FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::date[], $6::date[], $7::text[], $8::uuid[], $9::numeric[], $10::numeric[], $11::numeric[],
                     $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
              AS d(contract_id, customer_id, period_label, period_start, period_end, currency, terms_version_id, subtotal, tax, total,
                   lines, trace_json, trace_digest, refusal, spend_limit)
       ON CONFLICT (vendor_id, contract_id, period_start) DO UPDATE SET
         customer_id = EXCLUDED.customer_id, period_label = EXCLUDED.period_label, period_end = EXCLUDED.period_end,
         currency = EXCLUDED.currency, terms_version_id = EXCLUDED.terms_version_id, subtotal = EXCLUDED.subtotal,
         tax = EXCLUDED.tax, total = EXCLUDED.total, lines = EXCLUDED.lines, trace = EXCLUDED.trace,
         trace_json = EXCLUDED.trace_json, trace_digest = EXCLUDED.trace_digest, refusal = EXCLUDED.refusal,
         computed_at = EXCLUDED.computed_at, spend_limit = EXCLUDED.spend_limit
       WHERE invoices.status = 'draft'
       RETURNING id, contract_id`,
      [
        scope.vendorId,
        col((d) => d.contractId),
        col((d) => d.customerId),
        col((d) => d.periodLabel),
        col((d) => d.periodStart),
        col((d) => d.periodEnd),
        col((d) => d.currency),
        col((d) => d.termsVersionId),
        col((d) => d.subtotal),
        col((d) => d.tax),
        col((d) => d.total),
        col((d) => JSON.stringify(d.lines)),
        col((d) => d.traceJson),
        col((d) => d.traceDigest),
        col((d) => (d.refusal === null ? null : JSON.stringify(d.refusal))),
        col((d) => (d.spendLimit ? JSON.stringify(d.spendLimit) : null)),
      ],
    );
    return new Map(rows.map((r) => [r.contract_id, r.id]));
  }

  /** Freezes a draft as finalized (or paid): the one change from draft the table's trigger lets through. */
  async freeze(scope: Scope, id: string, f: FrozenFields, em: Queryable = this.db.manager): Promise<void> {
    const ps = new Params();
    const where = invoiceScope(scope, ps);
    const at = ps.add(f.finalizedAt);
    // The trace twice: as jsonb for queries, and as the exact canonical bytes its digest covers.
    await em.query(
      `UPDATE invoices i SET status = ${ps.add(f.status)}, number = ${ps.add(f.number)}, terms_version_id = ${ps.add(f.termsVersionId)},
              subtotal = ${ps.add(f.subtotal)}, tax = ${ps.add(f.tax)}, total = ${ps.add(f.total)}, lines = ${ps.add(JSON.stringify(f.lines))}::jsonb,
              trace = ${ps.add(f.traceJson)}::jsonb, trace_json = ${ps.add(f.traceJson)}::text, trace_digest = ${ps.add(f.traceDigest)},
              refusal = NULL, computed_at = ${at}, finalized_at = ${at}, journal_entry_id = ${ps.add(f.journalEntryId)},
              issue_date = ${ps.add(f.issueDate)}::date, due_date = ${ps.add(f.dueDate)}::date, time_zone = ${ps.add(f.timeZone)},
              payment_terms_days = ${ps.add(f.paymentTermsDays)}, po_reference = ${ps.add(f.poReference)},
              spend_limit = ${ps.add(f.spendLimit ? JSON.stringify(f.spendLimit) : null)}::jsonb,
              claim_xmin = ${ps.add(f.claimXmin ?? null)}::xid8
        WHERE ${where} AND i.id = ${ps.add(id)} AND i.status = 'draft'`,
      ps.values,
    );
  }

  /**
   * Records the official tax invoice (fapiao) of a finalized invoice, once: the table refuses any
   * change, and a second record of the same invoice answers null (the primary key).
   */
  async insertTaxInvoice(
    scope: Scope,
    invoiceId: string,
    t: { number: string; issuedOn: string; recordedByKeyId: string | null },
    em: Queryable = this.db.manager,
  ): Promise<boolean> {
    const ps = new Params();
    const where = invoiceScope(scope, ps);
    const rows: unknown[] = await em.query(
      `INSERT INTO invoice_tax_invoices (vendor_id, invoice_id, number, issued_on, recorded_by_key_id)
       SELECT i.vendor_id, i.id, ${ps.add(t.number)}, ${ps.add(t.issuedOn)}::date, ${ps.add(t.recordedByKeyId)}::uuid
         FROM invoices i WHERE ${where} AND i.id = ${ps.add(invoiceId)} AND i.status <> 'draft'
       ON CONFLICT (vendor_id, invoice_id) DO NOTHING RETURNING invoice_id`,
      ps.values,
    );
    return rows.length > 0;
  }

  /** finalized → paid | void, paid → void (the trigger refuses any other change). */
  async setStatus(scope: Scope, id: string, status: 'paid' | 'void', em: Queryable = this.db.manager): Promise<void> {
    const ps = new Params();
    const where = invoiceScope(scope, ps);
    await em.query(`UPDATE invoices i SET status = ${ps.add(status)} WHERE ${where} AND i.id = ${ps.add(id)}`, ps.values);
  }

  async settled(scope: Scope, ids: readonly string[], em: Queryable = this.db.manager): Promise<Map<string, Settled>> {
    const out = new Map<string, Settled>(ids.map((id) => [id, { paid: '0', credited: '0' }]));
    if (ids.length === 0) return out;
    const ps = new Params();
    const where = invoiceScope(scope, ps);
    const rows: Array<{ id: string } & Settled> = await em.query(
      `SELECT i.id, ${SETTLED_SQL} FROM invoices i WHERE ${where} AND i.id = ANY(${ps.add(ids)}::uuid[])`,
      ps.values,
    );
    for (const r of rows) out.set(r.id, { paid: r.paid, credited: r.credited });
    return out;
  }

  /** The outcomes a finalized invoice recorded, counted by effect (+1 billed, −1 reversed). */
  async recordedCounts(scope: Scope, id: string, em: Queryable = this.db.manager): Promise<{ billed: number; reversed: number }> {
    const ps = new Params();
    const where = invoiceScope(scope, ps);
    const [row] = await em.query(
      `SELECT count(*) FILTER (WHERE io.effect = 1)::int AS billed, count(*) FILTER (WHERE io.effect = -1)::int AS reversed
         FROM invoices i JOIN invoice_outcomes io ON io.vendor_id = i.vendor_id AND io.invoice_id = i.id
        WHERE ${where} AND i.id = ${ps.add(id)}`,
      ps.values,
    );
    return { billed: row?.billed ?? 0, reversed: row?.reversed ?? 0 };
  }

  /** A contract's earlier periods whose invoice left draft, with the terms version each used. */
  async invoicedPeriodsBefore(
    scope: Scope,
    contractId: string,
    before: string,
    em: Queryable = this.db.manager,
  ): Promise<Array<{ start: string; end: string; termsVersionId: string }>> {
    return (await this.invoicedPeriodsBeforeEach(scope, [{ contractId, before }], em)).get(contractId) ?? [];
  }

  /** The same for several contracts in one statement, by contract id (in period order; absent: none). */
  async invoicedPeriodsBeforeEach(
    scope: Scope,
    periods: ReadonlyArray<{ contractId: string; before: string }>,
    em: Queryable = this.db.manager,
  ): Promise<Map<string, Array<{ start: string; end: string; termsVersionId: string }>>> {
    const out = new Map<string, Array<{ start: string; end: string; termsVersionId: string }>>();
    if (periods.length === 0) return out;
    const ps = new Params();
    const where = invoiceScope(scope, ps);
    const rows: Array<{ contract_id: string; start: string; end: string; termsVersionId: string }> = await em.query(
      `SELECT i.contract_id, i.period_start::text AS start, i.period_end::text AS "end", i.terms_version_id AS "termsVersionId" FROM invoices i
         JOIN unnest(${ps.add(periods.map((p) => p.contractId))}::uuid[], ${ps.add(periods.map((p) => p.before))}::date[]) AS p(contract_id, before)
           ON i.contract_id = p.contract_id AND i.period_start < p.before
        WHERE ${where} AND i.status <> 'draft'
        ORDER BY i.contract_id, i.period_start`,
      ps.values,
    );
    for (const { contract_id, ...r } of rows) out.set(contract_id, [...(out.get(contract_id) ?? []), r]);
    return out;
  }

  /**
   * Since when the late-outcome check must look for changes of the contract's outcomes in its
   * invoiced periods before `before`: the claim_xmin of the latest finalization among the invoices
   * of the last such period and later (each examined every invoiced period before its own, so
   * that one examined them all; xmins only grow). '0' (the whole history) when there is none, or
   * when that finalization predates claim_xmin.
   */
  async lateChangesSince(scope: Scope, contractId: string, before: string, em: Queryable = this.db.manager): Promise<string> {
    return (await this.lateChangesSinceEach(scope, [{ contractId, before }], em)).get(contractId) ?? '0';
  }

  /** The same for several contracts in one statement (set-based drafting), by contract id. */
  async lateChangesSinceEach(scope: Scope, periods: ReadonlyArray<{ contractId: string; before: string }>, em: Queryable = this.db.manager): Promise<Map<string, string>> {
    if (periods.length === 0) return new Map();
    const ps = new Params();
    const where = invoiceScope(scope, ps);
    const rows: Array<{ contract_id: string; since: string }> = await em.query(
      `SELECT p.contract_id::text AS contract_id, coalesce(max(i.claim_xmin), '0')::text AS since
         FROM unnest(${ps.add(periods.map((p) => p.contractId))}::uuid[], ${ps.add(periods.map((p) => p.before))}::date[]) AS p(contract_id, before)
         LEFT JOIN invoices i ON ${where} AND i.contract_id = p.contract_id AND i.status <> 'draft'
          AND i.period_start >= (SELECT max(l.period_start) FROM invoices l
                                  WHERE l.vendor_id = i.vendor_id AND l.contract_id = p.contract_id AND l.status <> 'draft' AND l.period_start < p.before)
        GROUP BY p.contract_id`,
      ps.values,
    );
    return new Map(rows.map((r) => [r.contract_id, r.since]));
  }


  /**
   * The xmin of a snapshot taken now: every transaction with a smaller id has finished, so the
   * caller's later statements see all it wrote (recorded on a finalized invoice as claim_xmin).
   */
  async snapshotXmin(em: Queryable): Promise<string> {
    const [row] = await em.query(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`);
    return row.xmin;
  }

  /** The end of the contract's last period whose invoice left draft, or null. */
  async invoicedThrough(scope: Scope, contractId: string, em: Queryable = this.db.manager): Promise<string | null> {
    const ps = new Params();
    const where = invoiceScope(scope, ps);
    const [row] = await em.query(
      `SELECT max(i.period_end)::text AS last_end FROM invoices i WHERE ${where} AND i.contract_id = ${ps.add(contractId)} AND i.status <> 'draft'`,
      ps.values,
    );
    return row?.last_end ?? null;
  }

  /** The first finalized invoice of a contract (the demo's first curl). */
  async firstFinalizedId(scope: Scope, contractId: string, em: Queryable = this.db.manager): Promise<string | null> {
    const ps = new Params();
    const where = invoiceScope(scope, ps);
    const [row] = await em.query(
      `SELECT i.id FROM invoices i WHERE ${where} AND i.contract_id = ${ps.add(contractId)} AND i.status <> 'draft' ORDER BY i.period_start LIMIT 1`,
      ps.values,
    );
    return row?.id ?? null;
  }

  /** A period's invoices with their settled amounts, one keyset batch (id order) at a time, for the CSV. */
  async csvBatch(
    scope: Scope,
    period: string,
    after: string | null,
    batch: number,
    em: Queryable = this.db.manager,
  ): Promise<Array<Record<string, any>>> {
    const ps = new Params();
    const where = [invoiceScope(scope, ps), `i.period_label = ${ps.add(period)}`];
    if (after) where.push(`i.id > ${ps.add(after)}`);
    return em.query(
      `SELECT i.id, i.number, i.status, i.contract_id, i.customer_id, i.period_label,
              i.period_start::text AS period_start, i.period_end::text AS period_end, i.currency,
              i.subtotal::text AS subtotal, i.tax::text AS tax, i.total::text AS total, i.finalized_at, i.trace_digest, ${SETTLED_SQL}
         FROM invoices i WHERE ${where.join(' AND ')} ORDER BY i.id LIMIT ${batch}`,
      ps.values,
    );
  }

  /** Serializes finalizations of one contract until the caller's transaction ends. */
  async lockContractFinalizations(scope: Scope, contractId: string, em: Queryable): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`ol:invoicing:${scope.vendorId}:${contractId}`]);
  }

  /** A new id and the current year in a timezone, from the database clock (the year names documents). */
  async newIdAndYear(timezone: string, em: Queryable): Promise<{ id: string; year: number; at: Date }> {
    const [row] = await em.query(
      `SELECT uuidv7() AS id, extract(year FROM clock_timestamp() AT TIME ZONE $1)::int AS year, clock_timestamp() AS at`,
      [timezone],
    );
    return row;
  }

  async newId(em: Queryable): Promise<string> {
    const [row] = await em.query(`SELECT uuidv7() AS id`);
    return row.id;
  }

  /**
   * The next gapless number of a kind for a vendor and year. The counter row stays locked until
   * the caller's transaction ends, so a rolled-back finalization never burns a number.
   */
  async nextNumber(scope: Scope, kind: 'invoice' | 'credit_note', year: number, em: Queryable): Promise<string> {
    const [row] = await em.query(
      `INSERT INTO document_number_counters (vendor_id, kind, year, last_value) VALUES ($1, $2, $3, 1)
       ON CONFLICT (vendor_id, kind, year) DO UPDATE SET last_value = document_number_counters.last_value + 1
       RETURNING last_value::text AS n`,
      [scope.vendorId, kind, year],
    );
    return `${kind === 'invoice' ? 'INV' : 'CN'}-${year}-${String(row.n).padStart(6, '0')}`;
  }
}
