import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { Scope, scopeOf } from '../auth/scope';
import { Money } from '../common/money';
import { ContractsService } from '../contracts/contracts.service';
import { LedgerService } from '../ledger/ledger.service';
import { minorUnits } from '../kernel/currency';
import { WebhooksService } from '../webhooks/webhooks.service';
import { CreateCreditNoteDto, CreatePaymentDto, CreditNoteView, PaymentView } from './dto/invoice.dto';
import type { CreditNote } from './entities/credit-note.entity';
import type { Invoice } from './entities/invoice.entity';
import type { Payment } from './entities/payment.entity';
import { amountDue, creditNotePosting, paymentPosting, planCreditNote } from './invoice-math';
import { InvoicesRepository } from './invoices.repository';
import { invoiceEventData, InvoicesService, moneyOf } from './invoices.service';
import { InvoicingError, InvoicingErrorCode } from './invoicing.errors';
import { SettlementsRepository } from './settlements.repository';

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
    private readonly invoiceRows: InvoicesRepository,
    private readonly repo: SettlementsRepository,
    private readonly contracts: ContractsService,
    private readonly ledger: LedgerService,
    private readonly webhooks: WebhooksService,
  ) {}

  async createCreditNote(p: Principal, invoiceId: string, dto: CreateCreditNoteDto): Promise<CreditNoteView> {
    const scope = scopeOf(p);
    return this.db.transaction(async (em) => {
      const inv = await this.invoices.lockVisible(em, p, invoiceId);
      this.refuseUnlessOpen(inv);
      const decimals = minorUnits(inv.currency);
      const credited = await this.repo.credited(scope, inv.id, em);
      const plan = planCreditNote(
        {
          lines: inv.lines,
          tax: inv.tax!,
          taxRate: inv.trace?.tax.rate ?? '0',
          decimals,
          rounding: inv.trace?.lines[0]?.rounding.mode ?? 'HALF_UP',
        },
        credited,
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

      const contract = await this.contracts.findInScope(scope, inv.contractId, em);
      const { id, year } = await this.invoiceRows.newIdAndYear(contract.timezone, em);
      const number = await this.invoiceRows.nextNumber(scope, 'credit_note', year, em);
      const entry = await this.ledger.post(em, inv.vendorId, {
        kind: 'credit_note',
        reference: { type: 'credit_note', id },
        contractId: inv.contractId,
        customerId: inv.customerId,
        description: `Credit note ${number} on invoice ${inv.number}: ${dto.reason}`.slice(0, 1000),
        effectiveAt: new Date().toISOString(),
        lines: creditNotePosting({ customerId: inv.customerId, currency: inv.currency, lines: plan.lines, tax: plan.tax, total: plan.total }, decimals),
      });
      const note = await this.repo.insertCreditNote(
        scope,
        {
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
        },
        em,
      );
      const credited2 = new Money(settled.credited).plus(plan.total);
      await this.settle(scope, em, inv, due.minus(plan.total), credited2.equals(inv.total!) ? 'void' : 'paid');
      const view = toCreditNoteView(note, inv.currency);
      await this.webhooks.enqueue(em, inv.vendorId, 'credit_note.created', { ...view, invoiceNumber: inv.number, customerId: inv.customerId });
      return view;
    });
  }

  async createPayment(p: Principal, invoiceId: string, dto: CreatePaymentDto): Promise<PaymentView> {
    const scope = scopeOf(p);
    return this.db.transaction(async (em) => {
      const inv = await this.invoices.lockVisible(em, p, invoiceId);
      const decimals = minorUnits(inv.currency);
      if (dto.reference !== undefined) {
        const same = await this.repo.paymentByReference(scope, inv.id, dto.reference, em);
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
      const id = await this.invoiceRows.newId(em);
      const entry = await this.ledger.post(em, inv.vendorId, {
        kind: 'payment',
        reference: { type: 'payment', id },
        contractId: inv.contractId,
        customerId: inv.customerId,
        description: `Payment of invoice ${inv.number}${dto.reference ? ` (${dto.reference})` : ''}`,
        effectiveAt: dto.paidOn,
        lines: paymentPosting({ customerId: inv.customerId, currency: inv.currency, amount: amount.toFixed(decimals) }, decimals),
      });
      const payment = await this.repo.insertPayment(
        scope,
        {
          id,
          invoiceId: inv.id,
          amount: amount.toFixed(decimals),
          paidOn: dto.paidOn,
          reference: dto.reference ?? null,
          journalEntryId: entry.id,
          createdByKeyId: p.keyId,
        },
        em,
      );
      await this.settle(scope, em, inv, due.minus(amount), 'paid');
      return toPaymentView(payment, inv.currency);
    });
  }

  async listCreditNotes(p: Principal, invoiceId: string): Promise<CreditNoteView[]> {
    const inv = await this.invoices.findVisible(p, invoiceId);
    const rows = await this.repo.creditNotesOf(scopeOf(p), inv.id);
    return rows.map((c) => toCreditNoteView(c, inv.currency));
  }

  async listPayments(p: Principal, invoiceId: string): Promise<PaymentView[]> {
    const inv = await this.invoices.findVisible(p, invoiceId);
    const rows = await this.repo.paymentsOf(scopeOf(p), inv.id);
    return rows.map((x) => toPaymentView(x, inv.currency));
  }

  private refuseUnlessOpen(inv: Invoice): void {
    if (inv.status === 'draft')
      throw InvoicingError.create(InvoicingErrorCode.INVOICE_NOT_FINALIZED, 'finalize the invoice before crediting it or recording payments');
    if (inv.status === 'void') throw InvoicingError.create(InvoicingErrorCode.INVOICE_VOID, `invoice ${inv.number} is void`);
  }

  /** When nothing remains due the invoice is paid, or void when credit notes cancelled all of it. */
  private async settle(scope: Scope, em: EntityManager, inv: Invoice, dueAfter: Money, whenSettled: 'paid' | 'void'): Promise<void> {
    if (!dueAfter.isZero() || inv.status === whenSettled) return;
    await this.invoiceRows.setStatus(scope, inv.id, whenSettled, em);
    if (whenSettled === 'paid') {
      const view = await this.invoices.viewOf(em, (await this.invoiceRows.find(scope, inv.id, {}, em))!);
      await this.webhooks.enqueue(em, inv.vendorId, 'invoice.paid', invoiceEventData(view));
    }
  }
}
