import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type Scope, scopeSql, type ScopeColumns } from '../auth/scope';

const INVOICE_SCOPE: ScopeColumns = { vendorId: 'i.vendor_id', contractId: 'i.contract_id', customerId: 'i.customer_id' };

/** A period's invoice as a statement reads it: fee parts by component type, and what credit notes took back. */
export interface StatementInvoiceRow {
  id: string;
  number: string | null;
  status: string;
  tax: string;
  flat: string;
  share: string;
  other: string;
  credited: string;
}

/** One line of an issued invoice as a statement explains it; `adjusts` names the earlier period an adjustment line corrects. */
export interface StatementLineOfInvoice {
  invoice_id: string;
  invoice_number: string | null;
  invoice_period: string;
  key: string;
  component_type: string;
  kind: string;
  description: string;
  quantity: string;
  amount: string;
  adjustment_kind: string | null;
  adjusts_period_start: string | null;
}

/** A credit note against an invoice: what it took back before tax, and how much of that was share. */
export interface StatementCreditNoteRow {
  id: string;
  number: string;
  reason: string;
  subtotal: string;
  share: string;
  created_at: string;
}

/** The reports' reads of invoices and credit notes: aggregates in SQL, figures as numeric text. */
@Injectable()
export class InvoiceReportReads {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The contract's invoice of the period starting on `periodStart`; `issuedOnly` leaves a draft out. */
  async statementInvoice(scope: Scope, contractId: string, periodStart: string, issuedOnly: boolean): Promise<StatementInvoiceRow | undefined> {
    const params: unknown[] = [contractId, periodStart];
    const [row] = await this.db.query(
      `SELECT i.id, i.number, i.status, coalesce(i.tax, 0)::text AS tax,
              coalesce(sum((l->>'amount')::numeric) FILTER (WHERE l->>'componentType' IN ('flat_fee', 'per_area')), 0)::text AS flat,
              coalesce(sum((l->>'amount')::numeric) FILTER (WHERE l->>'componentType' = 'value_share'), 0)::text AS share,
              coalesce(sum((l->>'amount')::numeric) FILTER (WHERE l->>'componentType' NOT IN ('flat_fee', 'per_area', 'value_share')), 0)::text AS other,
              (SELECT coalesce(sum(n.subtotal), 0)::text FROM credit_notes n WHERE n.vendor_id = i.vendor_id AND n.invoice_id = i.id) AS credited
         FROM invoices i LEFT JOIN LATERAL jsonb_array_elements(i.lines) l ON true
        WHERE i.contract_id = $1 AND i.period_start = $2::date ${issuedOnly ? `AND i.status <> 'draft'` : ''}
          AND ${scopeSql(scope, INVOICE_SCOPE, params)}
        GROUP BY i.vendor_id, i.id`,
      params,
    );
    return row;
  }

  /** Every line of one invoice, in the invoice's order. */
  async linesOf(scope: Scope, invoiceId: string): Promise<StatementLineOfInvoice[]> {
    const params: unknown[] = [invoiceId];
    return this.db.query(
      `SELECT i.id AS invoice_id, i.number AS invoice_number, i.period_label AS invoice_period, l->>'key' AS key, l->>'componentType' AS component_type,
              l->>'kind' AS kind, l->>'description' AS description, l->>'quantity' AS quantity, l->>'amount' AS amount,
              l->'adjustment'->>'kind' AS adjustment_kind, l->'adjustment'->'period'->>'start' AS adjusts_period_start
         FROM invoices i, jsonb_array_elements(i.lines) WITH ORDINALITY AS x(l, n)
        WHERE i.id = $1 AND ${scopeSql(scope, INVOICE_SCOPE, params)}
        ORDER BY x.n`,
      params,
    );
  }

  /** Adjustment lines on the contract's issued invoices of later periods that correct the period starting on `periodStart`. */
  async laterAdjustments(scope: Scope, contractId: string, periodStart: string): Promise<StatementLineOfInvoice[]> {
    const params: unknown[] = [contractId, periodStart];
    return this.db.query(
      `SELECT i.id AS invoice_id, i.number AS invoice_number, i.period_label AS invoice_period, l->>'key' AS key, l->>'componentType' AS component_type,
              l->>'kind' AS kind, l->>'description' AS description, l->>'quantity' AS quantity, l->>'amount' AS amount,
              l->'adjustment'->>'kind' AS adjustment_kind, l->'adjustment'->'period'->>'start' AS adjusts_period_start
         FROM invoices i, jsonb_array_elements(i.lines) WITH ORDINALITY AS x(l, n)
        WHERE i.contract_id = $1 AND i.status <> 'draft' AND i.period_start > $2::date
          AND l->>'kind' = 'adjustment' AND l->'adjustment'->'period'->>'start' = $2::date::text
          AND ${scopeSql(scope, INVOICE_SCOPE, params)}
        ORDER BY i.period_start, x.n`,
      params,
    );
  }

  /** The credit notes against one invoice, oldest first. */
  async creditNotesOf(scope: Scope, invoiceId: string): Promise<StatementCreditNoteRow[]> {
    const params: unknown[] = [invoiceId];
    return this.db.query(
      `SELECT n.id, n.number, n.reason, n.subtotal::text AS subtotal,
              coalesce((SELECT sum((l->>'amount')::numeric) FROM jsonb_array_elements(n.lines) l WHERE l->>'componentType' = 'value_share'), 0)::text AS share,
              to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
         FROM credit_notes n JOIN invoices i ON i.vendor_id = n.vendor_id AND i.id = n.invoice_id
        WHERE n.invoice_id = $1 AND ${scopeSql(scope, INVOICE_SCOPE, params)}
        ORDER BY n.created_at, n.id`,
      params,
    );
  }

  /** Fees per contract and month: issued invoices' subtotals (before tax) net of their credit notes; plus one draft when asked. */
  async monthlyFees(
    scope: Scope,
    contractIds: string[],
    start: string,
    end: string,
    alsoDraftId: string | null,
  ): Promise<Array<{ contractId: string; month: string; fees: string }>> {
    const params: unknown[] = [contractIds, start, end, alsoDraftId];
    const rows: Array<{ contract_id: string; month: string; fees: string }> = await this.db.query(
      `SELECT i.contract_id, to_char(i.period_start, 'YYYY-MM') AS month,
              (sum(coalesce(i.subtotal, 0)) - coalesce(sum(cn.credited), 0))::text AS fees
         FROM invoices i
         LEFT JOIN LATERAL (SELECT sum(n.subtotal) AS credited FROM credit_notes n WHERE n.vendor_id = i.vendor_id AND n.invoice_id = i.id) cn ON true
        WHERE i.contract_id = ANY($1::uuid[]) AND i.period_start >= $2::date AND i.period_start < $3::date
          AND (i.status <> 'draft' OR i.id = $4::uuid) AND ${scopeSql(scope, INVOICE_SCOPE, params)}
        GROUP BY i.contract_id, i.period_start`,
      params,
    );
    return rows.map((r) => ({ contractId: r.contract_id, month: r.month, fees: r.fees }));
  }

  /** Issued revenue by currency and component type, credit notes subtracted, for invoices of periods starting in the range. */
  async revenueByScheme(scope: Scope, contractIds: string[], start: string, end: string): Promise<Array<{ currency: string; scheme: string; revenue: string }>> {
    const params: unknown[] = [contractIds, start, end];
    return this.db.query(
      `WITH lines AS (
         SELECT i.currency, l->>'componentType' AS scheme, (l->>'amount')::numeric AS amount
           FROM invoices i, jsonb_array_elements(i.lines) l
          WHERE i.contract_id = ANY($1::uuid[]) AND i.status <> 'draft' AND i.period_start >= $2::date AND i.period_start < $3::date
            AND ${scopeSql(scope, INVOICE_SCOPE, params)}
         UNION ALL
         SELECT i.currency, l->>'componentType', -(l->>'amount')::numeric
           FROM credit_notes n JOIN invoices i ON i.vendor_id = n.vendor_id AND i.id = n.invoice_id, jsonb_array_elements(n.lines) l
          WHERE i.contract_id = ANY($1::uuid[]) AND i.period_start >= $2::date AND i.period_start < $3::date
            AND ${scopeSql(scope, INVOICE_SCOPE, params)})
       SELECT currency, scheme, sum(amount)::text AS revenue FROM lines GROUP BY currency, scheme ORDER BY currency, scheme`,
      params,
    );
  }

  /** Guarantee evaluations in the traces of issued invoices of periods starting in the range (adjustment lines left out). */
  async guarantees(scope: Scope, contractIds: string[], start: string, end: string): Promise<Array<{ period_label: string; number: string; g: any }>> {
    const params: unknown[] = [contractIds, start, end];
    return this.db.query(
      `SELECT DISTINCT ON (i.period_start, i.id, l->'guarantee'->>'kpi') i.period_label, i.number, l->'guarantee' AS g
         FROM invoices i, jsonb_array_elements(coalesce(i.trace->'lines', '[]'::jsonb)) l
        WHERE i.contract_id = ANY($1::uuid[]) AND i.status <> 'draft' AND i.period_start >= $2::date AND i.period_start < $3::date
          AND l ? 'guarantee' AND l->>'key' NOT LIKE 'adj:%' AND ${scopeSql(scope, INVOICE_SCOPE, params)}
        ORDER BY i.period_start, i.id, l->'guarantee'->>'kpi'`,
      params,
    );
  }
}
