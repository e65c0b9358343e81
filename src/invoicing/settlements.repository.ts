import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scope, scopeSql } from '../auth/scope';
import { Money } from '../common/money';
import { Params, Queryable } from '../common/sql';
import type { CreditNote } from './entities/credit-note.entity';
import type { Payment } from './entities/payment.entity';

const CREDIT_NOTE_COLS = `n.vendor_id AS "vendorId", n.id, n.invoice_id AS "invoiceId", n.number, n.reason, n.lines,
       n.subtotal::text AS subtotal, n.tax::text AS tax, n.total::text AS total, n.journal_entry_id AS "journalEntryId",
       n.created_by_key_id AS "createdByKeyId", n.created_at AS "createdAt"`;

const PAYMENT_COLS = `n.vendor_id AS "vendorId", n.id, n.invoice_id AS "invoiceId", n.amount::text AS amount, n.paid_on::text AS "paidOn",
       n.reference, n.journal_entry_id AS "journalEntryId", n.created_by_key_id AS "createdByKeyId", n.created_at AS "createdAt"`;

const decimal = (v: string) => new Money(v).toFixed();
const creditNoteOf = (r: CreditNote): CreditNote => ({ ...r, subtotal: decimal(r.subtotal), tax: decimal(r.tax), total: decimal(r.total) });
const paymentOf = (r: Payment): Payment => ({ ...r, amount: decimal(r.amount) });

/**
 * Credit notes and payments (`n`) follow their invoice's scope: the invoice's contract and
 * customer; a customer never sees those of a draft (there are none: drafts take neither).
 */
function settlementScope(scope: Scope, ps: Params): string {
  const ofInvoice = (col: string) => `(SELECT i.${col} FROM invoices i WHERE i.vendor_id = n.vendor_id AND i.id = n.invoice_id)`;
  return scopeSql(scope, { vendorId: 'n.vendor_id', contractId: ofInvoice('contract_id'), customerId: ofInvoice('customer_id') }, ps.values);
}

export type NewCreditNote = Omit<CreditNote, 'vendorId' | 'createdAt'>;
export type NewPayment = Omit<Payment, 'vendorId' | 'createdAt'>;

/** The only code that speaks SQL to `credit_notes` and `payments` (append-only: no update, no delete). */
@Injectable()
export class SettlementsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** What the invoice's credit notes credited so far: tax, and amount per line key. */
  async credited(scope: Scope, invoiceId: string, em: Queryable = this.db.manager): Promise<{ tax: string; byLine: Map<string, string> }> {
    const ps = new Params();
    const where = settlementScope(scope, ps);
    const ofInvoice = `${where} AND n.invoice_id = ${ps.add(invoiceId)}`;
    const [row] = await em.query(
      `SELECT COALESCE(sum(n.tax), 0)::text AS tax,
              COALESCE((SELECT jsonb_object_agg(k, a) FROM (
                 SELECT l->>'key' AS k, sum((l->>'amount')::numeric)::text AS a
                   FROM credit_notes n, jsonb_array_elements(n.lines) l WHERE ${ofInvoice} GROUP BY 1) x), '{}'::jsonb) AS by_line
         FROM credit_notes n WHERE ${ofInvoice}`,
      ps.values,
    );
    return { tax: row.tax, byLine: new Map(Object.entries(row.by_line as Record<string, string>)) };
  }

  async insertCreditNote(scope: Scope, c: NewCreditNote, em: Queryable = this.db.manager): Promise<CreditNote> {
    const [row] = await em.query(
      `INSERT INTO credit_notes (vendor_id, id, invoice_id, number, reason, lines, subtotal, tax, total, journal_entry_id, created_by_key_id)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11)
       RETURNING ${CREDIT_NOTE_COLS.replace(/\bn\./g, '')}`,
      [scope.vendorId, c.id, c.invoiceId, c.number, c.reason, JSON.stringify(c.lines), c.subtotal, c.tax, c.total, c.journalEntryId, c.createdByKeyId],
    );
    return creditNoteOf(row);
  }

  async creditNotesOf(scope: Scope, invoiceId: string, em: Queryable = this.db.manager): Promise<CreditNote[]> {
    const ps = new Params();
    const where = settlementScope(scope, ps);
    const rows: CreditNote[] = await em.query(
      `SELECT ${CREDIT_NOTE_COLS} FROM credit_notes n WHERE ${where} AND n.invoice_id = ${ps.add(invoiceId)} ORDER BY n.id`,
      ps.values,
    );
    return rows.map(creditNoteOf);
  }

  async paymentByReference(scope: Scope, invoiceId: string, reference: string, em: Queryable = this.db.manager): Promise<Payment | null> {
    const ps = new Params();
    const where = settlementScope(scope, ps);
    const [row] = await em.query(
      `SELECT ${PAYMENT_COLS} FROM payments n WHERE ${where} AND n.invoice_id = ${ps.add(invoiceId)} AND n.reference = ${ps.add(reference)}`,
      ps.values,
    );
    return row ? paymentOf(row) : null;
  }

  async insertPayment(scope: Scope, p: NewPayment, em: Queryable = this.db.manager): Promise<Payment> {
    const [row] = await em.query(
      `INSERT INTO payments (vendor_id, id, invoice_id, amount, paid_on, reference, journal_entry_id, created_by_key_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING ${PAYMENT_COLS.replace(/\bn\./g, '')}`,
      [scope.vendorId, p.id, p.invoiceId, p.amount, p.paidOn, p.reference, p.journalEntryId, p.createdByKeyId],
    );
    return paymentOf(row);
  }

  async paymentsOf(scope: Scope, invoiceId: string, em: Queryable = this.db.manager): Promise<Payment[]> {
    const ps = new Params();
    const where = settlementScope(scope, ps);
    const rows: Payment[] = await em.query(
      `SELECT ${PAYMENT_COLS} FROM payments n WHERE ${where} AND n.invoice_id = ${ps.add(invoiceId)} ORDER BY n.id`,
      ps.values,
    );
    return rows.map(paymentOf);
  }
}
