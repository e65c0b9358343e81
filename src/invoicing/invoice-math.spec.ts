import { Money } from '../common/money';
import type { InvoiceLine } from '../pricing/types';
import { amountDue, creditNotePosting, invoicePosting, paymentPosting, planCreditNote } from './invoice-math';

const line = (key: string, componentType: InvoiceLine['componentType'], amount: string, kind: InvoiceLine['kind'] = 'charge'): InvoiceLine => ({
  key,
  componentType,
  kind,
  description: key,
  quantity: '1',
  unitPrice: null,
  unroundedAmount: amount,
  amount,
});

const balanced = (lines: Array<{ debit?: string; credit?: string }>) => {
  const sum = (side: 'debit' | 'credit') => lines.reduce((acc, l) => acc.plus(l[side] ?? '0'), new Money(0));
  return sum('debit').equals(sum('credit'));
};

describe('journal postings', () => {
  it('debits the receivable with the total and credits revenue per component type and tax payable', () => {
    const posting = invoicePosting(
      { customerId: 'c1', currency: 'CNY', lines: [line('flat_fee', 'flat_fee', '150000.00'), line('value_share', 'value_share', '100000.00')], tax: '15000.00', total: '265000.00' },
      2,
    );
    expect(posting).toEqual([
      { account: 'receivable:c1', currency: 'CNY', debit: '265000.00' },
      { account: 'revenue:flat_fee', currency: 'CNY', credit: '150000.00' },
      { account: 'revenue:value_share', currency: 'CNY', credit: '100000.00' },
      { account: 'tax_payable', currency: 'CNY', credit: '15000.00' },
    ]);
  });

  it('nets lines per account, puts adjustments on their own account, and a negative net on the debit side', () => {
    const posting = invoicePosting(
      {
        customerId: 'c1',
        currency: 'CNY',
        lines: [
          line('report', 'per_outcome', '30.00'),
          line('adj', 'per_outcome', '-45.00', 'adjustment'),
          line('invoice:guarantee', 'invoice', '-5.00', 'guarantee_credit'),
        ],
        tax: '-1.20',
        total: '-21.20',
      },
      2,
    );
    expect(posting).toEqual([
      { account: 'receivable:c1', currency: 'CNY', credit: '21.20' },
      { account: 'revenue:per_outcome', currency: 'CNY', credit: '30.00' },
      { account: 'revenue:adjustment', currency: 'CNY', debit: '45.00' },
      { account: 'revenue:invoice', currency: 'CNY', debit: '5.00' },
      { account: 'tax_payable', currency: 'CNY', debit: '1.20' },
    ]);
    expect(balanced(posting)).toBe(true);
  });

  it('posts nothing for an invoice whose every amount is zero', () => {
    expect(invoicePosting({ customerId: 'c1', currency: 'USD', lines: [line('q', 'usage', '0.00')], tax: '0.00', total: '0.00' }, 2)).toEqual([]);
  });

  it('reverses a credit note and books a payment against the receivable', () => {
    const credit = creditNotePosting(
      { customerId: 'c1', currency: 'USD', lines: [{ account: 'revenue:usage', amount: '33.33' }], tax: '3.33', total: '36.66' },
      2,
    );
    expect(credit).toEqual([
      { account: 'revenue:usage', currency: 'USD', debit: '33.33' },
      { account: 'tax_payable', currency: 'USD', debit: '3.33' },
      { account: 'receivable:c1', currency: 'USD', credit: '36.66' },
    ]);
    expect(paymentPosting({ customerId: 'c1', currency: 'JPY', amount: '1200' }, 0)).toEqual([
      { account: 'cash', currency: 'JPY', debit: '1200' },
      { account: 'receivable:c1', currency: 'JPY', credit: '1200' },
    ]);
  });

  it('never owes less than nothing', () => {
    expect(amountDue('100.00', '60.00', '10.00').toFixed(2)).toBe('30.00');
    expect(amountDue('-15.00', '0', '0').toFixed(2)).toBe('0.00');
  });
});

describe('credit note allocation', () => {
  const invoice = {
    lines: [line('flat_fee', 'flat_fee', '200.00'), line('query', 'usage', '100.00')],
    tax: '30.00',
    taxRate: '0.10',
    decimals: 2,
    rounding: 'HALF_UP' as const,
  };
  const none = { byLine: new Map<string, string>(), tax: '0' };

  it('credits everything that remains when no lines are given', () => {
    expect(planCreditNote(invoice, { byLine: new Map([['query', '33.33']]), tax: '3.33' })).toMatchObject({
      lines: [
        { key: 'flat_fee', amount: '200.00', account: 'revenue:flat_fee' },
        { key: 'query', amount: '66.67', account: 'revenue:usage' },
      ],
      subtotal: '266.67',
      tax: '26.67',
      total: '293.34',
    });
  });

  it('taxes a partial credit at the invoice rate, rounded once', () => {
    expect(planCreditNote(invoice, none, [{ key: 'query', amount: '33.33' }])).toMatchObject({ subtotal: '33.33', tax: '3.33', total: '36.66' });
  });

  it('gives the credit that exhausts every line exactly the tax that remains', () => {
    const plan = planCreditNote(invoice, { byLine: new Map([['query', '33.33']]), tax: '3.33' }, [
      { key: 'flat_fee', amount: '200.00' },
      { key: 'query', amount: '66.67' },
    ]);
    expect(plan).toMatchObject({ subtotal: '266.67', tax: '26.67', total: '293.34' });
  });

  it('refuses unknown lines, more than a line holds, too many decimals, and an empty credit', () => {
    expect(planCreditNote(invoice, none, [{ key: 'nope', amount: '1' }])).toEqual({ error: 'CREDIT_LINE_UNKNOWN', index: 0, key: 'nope' });
    expect(planCreditNote(invoice, none, [{ key: 'query', amount: '60' }, { key: 'query', amount: '40.01' }])).toEqual({
      error: 'CREDIT_EXCEEDS_LINE',
      index: 1,
      key: 'query',
      remaining: '40.00',
    });
    expect(planCreditNote(invoice, none, [{ key: 'query', amount: '0.001' }])).toEqual({ error: 'AMOUNT_PRECISION', index: 0 });
    expect(planCreditNote(invoice, { byLine: new Map([['flat_fee', '200.00'], ['query', '100.00']]), tax: '30.00' })).toEqual({
      error: 'NOTHING_TO_CREDIT',
    });
  });
});
