import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Scope } from '../auth/scope';
import { isoUtc, Params, Queryable } from '../common/sql';
import { invoiceOutcomeScope, invoiceScope } from './invoices.repository';

/** A bundle's billing periods: first period start and the first day after the last (either open). */
export interface ExportRange {
  contractIds: readonly string[];
  fromDate: string | null;
  toEnd: string | null;
}


/**
 * What the evidence bundle (src/audit) reads of invoicing: the finalized documents of a range,
 * as the bundle format writes them (trailing zeros trimmed, timestamps as ISO text). Each method
 * runs in the caller's snapshot (`em`).
 */
@Injectable()
export class InvoicingEvidenceReads {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Finalized invoices of the contracts whose period starts in the range (`i`). */
  private inRange(scope: Scope, ps: Params, r: ExportRange, alias = 'i'): string {
    const from = ps.add(r.fromDate);
    const to = ps.add(r.toEnd);
    return `${invoiceScope(scope, ps, alias)} AND ${alias}.contract_id = ANY(${ps.add(r.contractIds)}::uuid[]) AND ${alias}.status <> 'draft'
      AND (${from}::date IS NULL OR ${alias}.period_start >= ${from}::date) AND (${to}::date IS NULL OR ${alias}.period_start < ${to}::date)`;
  }

  async invoicesInRange(scope: Scope, r: ExportRange, em: Queryable = this.db.manager): Promise<Array<{ id: string; number: string }>> {
    const ps = new Params();
    return em.query(`SELECT i.id, i.number FROM invoices i WHERE ${this.inRange(scope, ps, r)} ORDER BY i.contract_id, i.period_start`, ps.values);
  }

  async creditNotesInRange(scope: Scope, r: ExportRange, em: Queryable = this.db.manager): Promise<Array<{ id: string; number: string }>> {
    const ps = new Params();
    return em.query(
      `SELECT n.id, n.number FROM credit_notes n JOIN invoices i ON i.vendor_id = n.vendor_id AND i.id = n.invoice_id
        WHERE ${this.inRange(scope, ps, r)} ORDER BY n.number`,
      ps.values,
    );
  }

  /** The KPI measurements the range's invoices' guarantees read (not billed, so not linked to them). */
  async guaranteeMeasurementIds(scope: Scope, r: ExportRange, em: Queryable = this.db.manager): Promise<string[]> {
    const ps = new Params();
    const rows: Array<{ id: string }> = await em.query(
      `SELECT DISTINCT m #>> '{}' AS id FROM invoices i, jsonb_path_query(i.trace, '$.lines[*].guarantee.measurementId') m
        WHERE ${this.inRange(scope, ps, r)} AND jsonb_typeof(m) = 'string'`,
      ps.values,
    );
    return rows.map((x) => x.id);
  }

  /**
   * SQL predicate on an outcome (`o`): one of the range's invoices billed or took it back. For the
   * outcome reads of the bundle, which add it to their own filter (parameters appended to `ps`).
   */
  billedInRangeSql(scope: Scope, ps: Params, r: ExportRange): string {
    return `EXISTS (SELECT 1 FROM invoice_outcomes io JOIN invoices i ON i.vendor_id = io.vendor_id AND i.id = io.invoice_id
                     WHERE io.vendor_id = o.vendor_id AND io.outcome_id = o.id AND ${this.inRange(scope, ps, r)})`;
  }

  /**
   * `SELECT io.outcome_id …`: the outcomes the range's invoices billed or took back, as a set (what
   * `billedInRangeSql` tests per outcome), for the outcome reads to bound when those occurred.
   */
  billedInRangeIdsSql(scope: Scope, ps: Params, r: ExportRange): string {
    return `SELECT io.outcome_id FROM invoice_outcomes io JOIN invoices i ON i.vendor_id = io.vendor_id AND i.id = io.invoice_id
             WHERE ${this.inRange(scope, ps, r)}`;
  }

  /**
   * SQL predicate on an outcome (`o`): some invoice billed or took it back, for the given
   * (contract, outcome type) pairs. Charge once per case re-prices an invoice from every billed
   * outcome of its cases, whatever their period, so a bundle of a range carries them all.
   */
  billedEverSql(ps: Params, pairs: ReadonlyArray<{ contractId: string; type: string }>): string {
    if (pairs.length === 0) return 'false';
    return `((o.contract_id, o.type) IN (SELECT * FROM unnest(${ps.add(pairs.map((p) => p.contractId))}::uuid[], ${ps.add(pairs.map((p) => p.type))}::text[]))
             AND EXISTS (SELECT 1 FROM invoice_outcomes io WHERE io.vendor_id = o.vendor_id AND io.outcome_id = o.id))`;
  }

  /** Every invoiced (non-draft) period of the contracts, whatever the range. */
  async invoicedPeriods(scope: Scope, contractIds: readonly string[], em: Queryable = this.db.manager): Promise<Array<Record<string, any>>> {
    const ps = new Params();
    return em.query(
      `SELECT i.id, i.number, i.status, i.contract_id, i.period_start::text AS period_start, i.period_end::text AS period_end,
              i.terms_version_id, ${isoUtc('i.finalized_at', 'US')} AS finalized_at
         FROM invoices i WHERE ${invoiceScope(scope, ps)} AND i.contract_id = ANY(${ps.add(contractIds)}::uuid[]) AND i.status <> 'draft'
        ORDER BY i.contract_id, i.period_start`,
      ps.values,
    );
  }

  /** The billing links (invoice_outcomes) of the outcomes, also to invoices outside the range: adjustments need them. */
  async billingLinks(
    scope: Scope,
    outcomeIds: readonly string[],
    em: Queryable = this.db.manager,
  ): Promise<Array<{ outcome_id: string; effect: number; invoice_id: string }>> {
    const ps = new Params();
    return em.query(
      `SELECT io.outcome_id, io.effect, io.invoice_id FROM invoice_outcomes io
        WHERE ${invoiceOutcomeScope(scope, ps)} AND io.outcome_id = ANY(${ps.add(outcomeIds)}::uuid[])
        ORDER BY io.outcome_id, io.effect`,
      ps.values,
    );
  }

  async invoiceDocument(scope: Scope, id: string, em: Queryable = this.db.manager): Promise<Record<string, any> | null> {
    const ps = new Params();
    const [row] = await em.query(
      `SELECT i.id, i.number, i.status, i.contract_id, i.customer_id, i.period_label, i.period_start::text AS period_start,
              i.period_end::text AS period_end, i.currency, i.terms_version_id, trim_scale(i.subtotal)::text AS subtotal,
              trim_scale(i.tax)::text AS tax, trim_scale(i.total)::text AS total, i.lines, i.trace_json, i.trace_digest, i.trace ->> 'engineVersion' AS engine_version,
              ${isoUtc('i.finalized_at', 'US')} AS finalized_at, i.journal_entry_id, i.spend_limit,
              (SELECT count(*) FILTER (WHERE effect = 1)::int FROM invoice_outcomes io WHERE io.vendor_id = i.vendor_id AND io.invoice_id = i.id) AS billed,
              (SELECT count(*) FILTER (WHERE effect = -1)::int FROM invoice_outcomes io WHERE io.vendor_id = i.vendor_id AND io.invoice_id = i.id) AS reversed
         FROM invoices i WHERE ${invoiceScope(scope, ps)} AND i.id = ${ps.add(id)}`,
      ps.values,
    );
    return row ?? null;
  }

  async creditNoteDocument(scope: Scope, id: string, em: Queryable = this.db.manager): Promise<Record<string, any> | null> {
    const ps = new Params();
    const [row] = await em.query(
      `SELECT n.id, n.number, n.invoice_id, i.number AS invoice_number, n.reason, n.lines, trim_scale(n.subtotal)::text AS subtotal,
              trim_scale(n.tax)::text AS tax, trim_scale(n.total)::text AS total, n.journal_entry_id, ${isoUtc('n.created_at')} AS created_at
         FROM credit_notes n JOIN invoices i ON i.vendor_id = n.vendor_id AND i.id = n.invoice_id
        WHERE ${invoiceScope(scope, ps)} AND n.id = ${ps.add(id)}`,
      ps.values,
    );
    return row ?? null;
  }

  async payments(scope: Scope, invoiceIds: readonly string[], em: Queryable = this.db.manager): Promise<Array<Record<string, any>>> {
    const ps = new Params();
    return em.query(
      `SELECT x.id, x.invoice_id, trim_scale(x.amount)::text AS amount, x.paid_on::text AS paid_on, x.reference, x.journal_entry_id,
              ${isoUtc('x.created_at')} AS created_at
         FROM payments x JOIN invoices i ON i.vendor_id = x.vendor_id AND i.id = x.invoice_id
        WHERE ${invoiceScope(scope, ps)} AND x.invoice_id = ANY(${ps.add(invoiceIds)}::uuid[]) ORDER BY x.id`,
      ps.values,
    );
  }
}
