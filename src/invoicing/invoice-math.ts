// Pure rules of invoicing money: journal postings of invoices, credit notes and payments, and how a
// credit note is allocated to an invoice's lines. No Nest, no database: unit-tested beside this file.
import type Decimal from 'decimal.js';
import { Money } from '../common/money';
import type { InvoiceLine } from '../pricing/types';

/** One side of a journal line, as LedgerService.post takes it. */
export interface PostingLine {
  account: string;
  currency: string;
  debit?: string;
  credit?: string;
  memo?: string;
}

const ZERO = new Money(0);

/** Revenue account of an invoice line: its component type, `adjustment` for adjustment lines, `invoice` for invoice-level lines. */
export function revenueAccount(line: Pick<InvoiceLine, 'kind' | 'componentType'>): string {
  return `revenue:${line.kind === 'adjustment' ? 'adjustment' : line.componentType}`;
}

export const receivableAccount = (customerId: string) => `receivable:${customerId}`;

function side(account: string, currency: string, amount: Decimal, normal: 'debit' | 'credit', decimals: number, memo?: string): PostingLine[] {
  if (amount.isZero()) return [];
  const positive = amount.greaterThan(0);
  const which = positive ? normal : normal === 'debit' ? 'credit' : 'debit';
  return [{ account, currency, [which]: amount.abs().toFixed(decimals), ...(memo ? { memo } : {}) }];
}

/** Net amount per revenue account, in first-seen order (stable across runs). */
function revenueByAccount(lines: Array<{ account: string; amount: string }>): Array<[string, Decimal]> {
  const out = new Map<string, Decimal>();
  for (const l of lines) out.set(l.account, (out.get(l.account) ?? ZERO).plus(l.amount));
  return [...out.entries()];
}

/**
 * Finalization: debit the customer's receivable with the total; credit revenue per account (net;
 * a negative net goes to the debit side) and tax payable. Empty when every amount is zero: an
 * all-zero entry cannot balance-validly exist, so a zero invoice posts nothing.
 */
export function invoicePosting(
  inv: { customerId: string; currency: string; lines: InvoiceLine[]; tax: string; total: string },
  decimals: number,
): PostingLine[] {
  const revenue = revenueByAccount(inv.lines.map((l) => ({ account: revenueAccount(l), amount: l.amount })));
  const lines = [
    ...side(receivableAccount(inv.customerId), inv.currency, new Money(inv.total), 'debit', decimals),
    ...revenue.flatMap(([account, amount]) => side(account, inv.currency, amount, 'credit', decimals)),
    ...side('tax_payable', inv.currency, new Money(inv.tax), 'credit', decimals),
  ];
  return lines.length >= 2 ? lines : [];
}

/** A credit note reverses what it credits: debit revenue and tax payable, credit the receivable. */
export function creditNotePosting(
  note: { customerId: string; currency: string; lines: Array<{ account: string; amount: string }>; tax: string; total: string },
  decimals: number,
): PostingLine[] {
  return [
    ...revenueByAccount(note.lines).flatMap(([account, amount]) => side(account, note.currency, amount, 'debit', decimals)),
    ...side('tax_payable', note.currency, new Money(note.tax), 'debit', decimals),
    ...side(receivableAccount(note.customerId), note.currency, new Money(note.total), 'credit', decimals),
  ];
}

/** A payment: debit cash, credit the customer's receivable. */
export function paymentPosting(p: { customerId: string; currency: string; amount: string }, decimals: number): PostingLine[] {
  return [
    ...side('cash', p.currency, new Money(p.amount), 'debit', decimals),
    ...side(receivableAccount(p.customerId), p.currency, new Money(p.amount), 'credit', decimals),
  ];
}

/** What an invoice still owes: never below zero (a negative invoice leaves a credit balance, not a debt). */
export function amountDue(total: string, paid: string, credited: string): Decimal {
  const due = new Money(total).minus(paid).minus(credited);
  return due.isNegative() ? ZERO : due;
}

// ---------------------------------------------------------------------------------------------
// Credit notes

export interface CreditRequestLine {
  key: string;
  amount: string;
}

export interface PlannedCreditLine {
  key: string;
  componentType: string;
  kind: string;
  description: string;
  account: string;
  amount: string;
}

export interface CreditPlan {
  lines: PlannedCreditLine[];
  subtotal: string;
  tax: string;
  total: string;
}

export type CreditPlanError =
  | { error: 'NOTHING_TO_CREDIT' }
  | { error: 'CREDIT_LINE_UNKNOWN'; index: number; key: string }
  | { error: 'CREDIT_EXCEEDS_LINE'; index: number; key: string; remaining: string }
  | { error: 'AMOUNT_PRECISION'; index: number };

/**
 * Allocates a credit note. Without `requested`, credits everything that remains of every line and
 * of the tax (a full credit, which voids the invoice). With `requested`, credits those amounts of
 * those (positive) lines; tax is the invoice's tax rate on the credited subtotal, rounded once,
 * except that the credit which exhausts every line takes exactly the tax that remains, so the
 * credit notes of an invoice add up to its total to the cent.
 */
export function planCreditNote(
  invoice: { lines: InvoiceLine[]; tax: string; taxRate: string; decimals: number; rounding: 'HALF_UP' | 'HALF_EVEN' },
  alreadyCredited: { byLine: Map<string, string>; tax: string },
  requested?: CreditRequestLine[],
): CreditPlan | CreditPlanError {
  const remaining = new Map(invoice.lines.map((l) => [l.key, new Money(l.amount).minus(alreadyCredited.byLine.get(l.key) ?? '0')]));
  const taxRemaining = new Money(invoice.tax).minus(alreadyCredited.tax);
  const byKey = new Map(invoice.lines.map((l) => [l.key, l]));
  const planned = (l: InvoiceLine, amount: Decimal): PlannedCreditLine => ({
    key: l.key,
    componentType: l.componentType,
    kind: l.kind,
    description: l.description,
    account: revenueAccount(l),
    amount: amount.toFixed(invoice.decimals),
  });

  let chosen: PlannedCreditLine[];
  let tax: Decimal;
  if (!requested) {
    chosen = invoice.lines.filter((l) => !remaining.get(l.key)!.isZero()).map((l) => planned(l, remaining.get(l.key)!));
    tax = taxRemaining;
  } else {
    const left = new Map(remaining);
    chosen = [];
    for (let i = 0; i < requested.length; i++) {
      const r = requested[i];
      const line = byKey.get(r.key);
      if (!line) return { error: 'CREDIT_LINE_UNKNOWN', index: i, key: r.key };
      const amount = new Money(r.amount);
      if (amount.decimalPlaces() > invoice.decimals) return { error: 'AMOUNT_PRECISION', index: i };
      const rest = left.get(r.key)!;
      if (amount.greaterThan(rest)) return { error: 'CREDIT_EXCEEDS_LINE', index: i, key: r.key, remaining: Money.max(rest, 0).toFixed(invoice.decimals) };
      left.set(r.key, rest.minus(amount));
      chosen.push(planned(line, amount));
    }
    const exhausted = [...left.values()].every((v) => !v.greaterThan(0));
    const sum = chosen.reduce((acc, l) => acc.plus(l.amount), ZERO);
    const rounding = invoice.rounding === 'HALF_EVEN' ? Money.ROUND_HALF_EVEN : Money.ROUND_HALF_UP;
    tax = exhausted ? taxRemaining : Money.min(sum.times(invoice.taxRate).toDecimalPlaces(invoice.decimals, rounding), taxRemaining);
  }
  const subtotal = chosen.reduce((acc, l) => acc.plus(l.amount), ZERO);
  const total = subtotal.plus(tax);
  if (chosen.length === 0 || !total.greaterThan(0)) return { error: 'NOTHING_TO_CREDIT' };
  return {
    lines: chosen,
    subtotal: subtotal.toFixed(invoice.decimals),
    tax: tax.toFixed(invoice.decimals),
    total: total.toFixed(invoice.decimals),
  };
}
