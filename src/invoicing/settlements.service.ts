import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { Money } from '../common/money';
import { Contract } from '../contracts/entities/contract.entity';
import { LedgerService } from '../ledger/ledger.service';
import { minorUnits } from '../pricing/currency';
import { WebhooksService } from '../webhooks/webhooks.service';
import { CreateCreditNoteDto, CreatePaymentDto, CreditNoteView, PaymentView } from './dto/invoice.dto';
import { CreditNote } from './entities/credit-note.entity';
import { Invoice } from './entities/invoice.entity';
import { Payment } from './entities/payment.entity';
import { amountDue, creditNotePosting, paymentPosting, planCreditNote } from './invoice-math';
import { invoiceEventData, InvoicesService, moneyOf } from './invoices.service';
import { InvoicingError, InvoicingErrorCode } from './invoicing.errors';

function toCreditNoteView(c: CreditNote, currency: string): CreditNoteView {
  return {
    id: c.id,
    number: c.number,
    invoiceId: c.invoiceId,
    reason: c.reason,
    lines: c.lines.map((l) => ({ key: l.key, component: l.componentType, description: l.description, amount: l.amount })),
    subtotal: moneyOf(c.subtotal, currency)!,
    tax: moneyOf(c.tax, currency)!,
    total: moneyOf(c.total, currency)!,
    journalEntryId: c.journalEntryId,
    createdAt: c.createdAt.toISOString(),
  };
}

function toPaymentView(p: Payment, currency: string): PaymentView {
  return {
    id: p.id,
    invoiceId: p.invoiceId,
    amount: moneyOf(p.amount, currency)!,
    paidOn: p.paidOn,
    reference: p.reference,
    journalEntryId: p.journalEntryId,
    createdAt: p.createdAt.toISOString(),
  };
}

/**
 * Credit notes and payments against finalized invoices. Each locks the invoice row, so the amounts
 * paid and credited it derives cannot move underneath it, and writes its record, its journal entry,
 * the invoice's new status and its webhooks in one transaction.
 */
@Injectable()
export class SettlementsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly invoices: InvoicesService,
    private readonly ledger: LedgerService,
    private readonly webhooks: WebhooksService,
  ) {}

  async createCreditNote(p: Principal, invoiceId: string, dto: CreateCreditNoteDto): Promise<CreditNoteView> {
    return this.db.transaction(async (em) => {
      const inv = await this.invoices.lockVisible(em, p, invoiceId);
      this.refuseUnlessOpen(inv);
      const decimals = minorUnits(inv.currency);
      const [credited] = await em.query(
        `SELECT COALESCE(sum(tax), 0)::text AS tax,
                COALESCE((SELECT jsonb_object_agg(k, a) FROM (
                   SELECT l->>'key' AS k, sum((l->>'amount')::numeric)::text AS a
                     FROM credit_notes c2, jsonb_array_elements(c2.lines) l
                    WHERE c2.vendor_id = $1 AND c2.invoice_id = $2 GROUP BY 1) x), '{}'::jsonb) AS by_line
           FROM credit_notes c WHERE c.vendor_id = $1 AND c.invoice_id = $2`,
        [inv.vendorId, inv.id],
      );
      const plan = planCreditNote(
        {
          lines: inv.lines,
          tax: inv.tax!,
          taxRate: inv.trace?.tax.rate ?? '0',
          decimals,
          rounding: inv.trace?.lines[0]?.rounding.mode ?? 'HALF_UP',
        },
        { byLine: new Map(Object.entries(credited.by_line as Record<string, string>)), tax: credited.tax },
        dto.lines,
      );
      if ('error' in plan) {
        switch (plan.error) {
          case 'NOTHING_TO_CREDIT':
            throw InvoicingError.create(InvoicingErrorCode.NOTHING_TO_CREDIT, `invoice ${inv.number} is already fully credited`);
          case 'CREDIT_LINE_UNKNOWN':
            throw InvoicingError.create(InvoicingErrorCode.CREDIT_LINE_UNKNOWN, `invoice ${inv.number} has no line "${plan.key}"`, [
              { field: `lines[${plan.index}].key`, message: 'is not a line of the invoice' },
            ]);
          case 'CREDIT_EXCEEDS_LINE':
            throw InvoicingError.create(InvoicingErrorCode.CREDIT_EXCEEDS_LINE, `at most ${plan.remaining} remains to credit on line "${plan.key}"`, [
              { field: `lines[${plan.index}].amount`, message: `must not exceed ${plan.remaining}` },
            ]);
          case 'AMOUNT_PRECISION':
            throw InvoicingError.create(InvoicingErrorCode.AMOUNT_PRECISION, `${inv.currency} has ${decimals} decimals`, [
              { field: `lines[${plan.index}].amount`, message: `must have at most ${decimals} decimals` },
            ]);
        }
      }
      const settled = (await this.invoices.settledOf(em, inv.vendorId, [inv.id])).get(inv.id)!;
      const due = amountDue(inv.total!, settled.paid, settled.credited);
      if (new Money(plan.total).greaterThan(due))
        throw InvoicingError.create(
          InvoicingErrorCode.CREDIT_EXCEEDS_AMOUNT_DUE,
          `the credit note totals ${plan.total} but ${due.toFixed(decimals)} is due on invoice ${inv.number}`,
          [{ field: dto.lines ? 'lines' : 'invoice', message: `the credit (tax included) must not exceed ${due.toFixed(decimals)}` }],
        );

      const contract = await em.findOneByOrFail(Contract, { vendorId: inv.vendorId, id: inv.contractId });
      const [{ id, year }] = await em.query(`SELECT uuidv7() AS id, extract(year FROM clock_timestamp() AT TIME ZONE $1)::int AS year`, [
        contract.timezone,
      ]);
      const number = await this.invoices.nextNumber(em, inv.vendorId, 'credit_note', year);
      const entry = await this.ledger.post(em, inv.vendorId, {
        kind: 'credit_note',
        reference: { type: 'credit_note', id },
        contractId: inv.contractId,
        customerId: inv.customerId,
        description: `Credit note ${number} on invoice ${inv.number}: ${dto.reason}`.slice(0, 1000),
        effectiveAt: new Date().toISOString(),
        lines: creditNotePosting({ customerId: inv.customerId, currency: inv.currency, lines: plan.lines, tax: plan.tax, total: plan.total }, decimals),
      });
      await em.insert(CreditNote, {
        vendorId: inv.vendorId,
        id,
        invoiceId: inv.id,
        number,
        reason: dto.reason,
        lines: plan.lines.map((l) => ({ key: l.key, componentType: l.componentType, kind: l.kind, description: l.description, amount: l.amount })),
        subtotal: plan.subtotal,
        tax: plan.tax,
        total: plan.total,
        journalEntryId: entry.id,
        createdByKeyId: p.keyId,
      });
      const credited2 = new Money(settled.credited).plus(plan.total);
      await this.settle(em, inv, due.minus(plan.total), credited2.equals(inv.total!) ? 'void' : 'paid');
      const note = await em.findOneByOrFail(CreditNote, { vendorId: inv.vendorId, id });
      const view = toCreditNoteView(note, inv.currency);
      await this.webhooks.enqueue(em, inv.vendorId, 'credit_note.created', { ...view, invoiceNumber: inv.number, customerId: inv.customerId });
      return view;
    });
  }

  async createPayment(p: Principal, invoiceId: string, dto: CreatePaymentDto): Promise<PaymentView> {
    return this.db.transaction(async (em) => {
      const inv = await this.invoices.lockVisible(em, p, invoiceId);
      const decimals = minorUnits(inv.currency);
      if (dto.reference !== undefined) {
        const same = await em.findOneBy(Payment, { vendorId: inv.vendorId, invoiceId: inv.id, reference: dto.reference });
        if (same) {
          // The same payment told twice is recorded once; a different one under its reference is a conflict.
          if (new Money(same.amount).equals(dto.amount) && same.paidOn === dto.paidOn) return toPaymentView(same, inv.currency);
          throw InvoicingError.create(
            InvoicingErrorCode.PAYMENT_REFERENCE_REUSED,
            `payment ${same.id} with reference "${dto.reference}" records ${moneyOf(same.amount, inv.currency)} on ${same.paidOn}`,
            [{ field: 'reference', message: 'already used by a different payment of this invoice' }],
          );
        }
      }
      this.refuseUnlessOpen(inv);
      const amount = new Money(dto.amount);
      if (amount.decimalPlaces() > decimals)
        throw InvoicingError.create(InvoicingErrorCode.AMOUNT_PRECISION, `${inv.currency} has ${decimals} decimals`, [
          { field: 'amount', message: `must have at most ${decimals} decimals` },
        ]);
      const settled = (await this.invoices.settledOf(em, inv.vendorId, [inv.id])).get(inv.id)!;
      const due = amountDue(inv.total!, settled.paid, settled.credited);
      if (amount.greaterThan(due))
        throw InvoicingError.create(
          InvoicingErrorCode.PAYMENT_EXCEEDS_AMOUNT_DUE,
          `${amount.toFixed(decimals)} exceeds the ${due.toFixed(decimals)} due on invoice ${inv.number}`,
          [{ field: 'amount', message: `must not exceed the amount due, ${due.toFixed(decimals)}` }],
        );
      const [{ id }] = await em.query(`SELECT uuidv7() AS id`);
      const entry = await this.ledger.post(em, inv.vendorId, {
        kind: 'payment',
        reference: { type: 'payment', id },
        contractId: inv.contractId,
        customerId: inv.customerId,
        description: `Payment of invoice ${inv.number}${dto.reference ? ` (${dto.reference})` : ''}`,
        effectiveAt: dto.paidOn,
        lines: paymentPosting({ customerId: inv.customerId, currency: inv.currency, amount: amount.toFixed(decimals) }, decimals),
      });
      await em.insert(Payment, {
        vendorId: inv.vendorId,
        id,
        invoiceId: inv.id,
        amount: amount.toFixed(decimals),
        paidOn: dto.paidOn,
        reference: dto.reference ?? null,
        journalEntryId: entry.id,
        createdByKeyId: p.keyId,
      });
      await this.settle(em, inv, due.minus(amount), 'paid');
      return toPaymentView(await em.findOneByOrFail(Payment, { vendorId: inv.vendorId, id }), inv.currency);
    });
  }

  async listCreditNotes(p: Principal, invoiceId: string): Promise<CreditNoteView[]> {
    const inv = await this.invoices.findVisible(p, invoiceId);
    const rows = await this.db.manager.find(CreditNote, { where: { vendorId: inv.vendorId, invoiceId: inv.id }, order: { id: 'ASC' } });
    return rows.map((c) => toCreditNoteView(c, inv.currency));
  }

  async listPayments(p: Principal, invoiceId: string): Promise<PaymentView[]> {
    const inv = await this.invoices.findVisible(p, invoiceId);
    const rows = await this.db.manager.find(Payment, { where: { vendorId: inv.vendorId, invoiceId: inv.id }, order: { id: 'ASC' } });
    return rows.map((x) => toPaymentView(x, inv.currency));
  }

  private refuseUnlessOpen(inv: Invoice): void {
    if (inv.status === 'draft')
      throw InvoicingError.create(InvoicingErrorCode.INVOICE_NOT_FINALIZED, 'finalize the invoice before crediting it or recording payments');
    if (inv.status === 'void') throw InvoicingError.create(InvoicingErrorCode.INVOICE_VOID, `invoice ${inv.number} is void`);
  }

  /** When nothing remains due the invoice is paid, or void when credit notes cancelled all of it. */
  private async settle(em: EntityManager, inv: Invoice, dueAfter: Money, whenSettled: 'paid' | 'void'): Promise<void> {
    if (!dueAfter.isZero() || inv.status === whenSettled) return;
    await em.query(`UPDATE invoices SET status = $3 WHERE vendor_id = $1 AND id = $2`, [inv.vendorId, inv.id, whenSettled]);
    if (whenSettled === 'paid') {
      const view = await this.invoices.viewOf(em, await em.findOneByOrFail(Invoice, { vendorId: inv.vendorId, id: inv.id }));
      await this.webhooks.enqueue(em, inv.vendorId, 'invoice.paid', invoiceEventData(view));
    }
  }
}
