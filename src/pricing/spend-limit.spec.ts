import { priceInvoice } from './engine';
import { monthPeriod } from './period';
import type { OutcomeAggregate, PricedInvoice, PricingContract, PricingInput, Terms } from './types';

const contract: PricingContract = { currency: 'CNY', timezone: 'Asia/Shanghai', taxRate: '0.06', startsOn: '2026-01-01', billingCycle: 'monthly' };
const agg = (outcomeType: string, count: string, quantitySum = count): OutcomeAggregate => ({ outcomeType, count, quantitySum, valueSum: '0', idsDigest: 'd'.repeat(64) });
const TERMS: Terms = {
  components: [
    { type: 'flat_fee', amount: '100', per: 'month' },
    { type: 'per_outcome', unitPrice: '10', outcomeType: 'report', verification: 'auto' },
  ],
};

function price(aggregates: OutcomeAggregate[], extra: Partial<PricingInput> = {}, terms: Terms = TERMS): PricedInvoice {
  const r = priceInvoice({ contract, terms, period: monthPeriod('2026-03'), aggregates, kpis: [], ...extra });
  if (!r.ok) throw new Error(r.reason);
  return r;
}

describe('the hard limit of spend controls', () => {
  it('bills outcomes beyond the budget at zero, with a line that says why, and leaves the flat part whole', () => {
    // 100 flat + 8 × 10 = 180 against a budget of 150: 30 of outcomes are not billed, 50 are.
    const inv = price([agg('report', '8')], { spendLimit: { budget: '150', controlsVersionId: 'v1' } });
    expect(inv.lines.map((l) => [l.key, l.kind, l.amount])).toEqual([
      ['flat_fee', 'charge', '100.00'],
      ['per_outcome', 'charge', '80.00'],
      ['invoice:hard_limit', 'spend_limit', '-30.00'],
    ]);
    expect(inv.lines[2].description).toBe('Outcomes beyond the budget of 150: not billed (hard limit)');
    expect(inv.subtotal).toBe('150.00');
    const trace = inv.trace.lines[2];
    expect(trace.formula).toBe('max(0, 150 − 100.00) − 80.00');
    expect(trace.inputs).toEqual({ budget: '150', outcomePriced: '80.00', otherLines: '100.00', billable: '50', controlsVersionId: 'v1' });
  });

  it('adds nothing when the outcomes fit in the budget, exactly at the budget included', () => {
    const at = price([agg('report', '5')], { spendLimit: { budget: '150' } });
    expect(at.lines.map((l) => l.key)).toEqual(['flat_fee', 'per_outcome']);
    expect(at.subtotal).toBe('150.00');
    // The trace of an invoice without a limit is byte for byte what it was.
    expect(price([agg('report', '5')]).traceJson).toBe(price([agg('report', '5')], {}).traceJson);
  });

  it('never takes the flat part below its amount: a budget under the flat fee bills no outcome at all', () => {
    const inv = price([agg('report', '3')], { spendLimit: { budget: '60' } });
    expect(inv.lines.find((l) => l.key === 'invoice:hard_limit')!.amount).toBe('-30.00');
    expect(inv.subtotal).toBe('100.00');
  });

  it('applies after the included allowance: only billed outcomes count against the budget', () => {
    const terms: Terms = { components: [{ type: 'per_outcome', unitPrice: '10', outcomeType: 'report', verification: 'auto', includedPerPeriod: '2' }] };
    // 6 reports, 2 free: 40 billed; budget 25 → −15.
    const inv = price([agg('report', '6')], { spendLimit: { budget: '25' } }, terms);
    expect(inv.lines.map((l) => l.amount)).toEqual(['60.00', '-20.00', '-15.00']);
    expect(inv.subtotal).toBe('25.00');
  });

  it('leaves a minimum commitment owed: the true-up comes after the limit', () => {
    const terms: Terms = { ...TERMS, minimum: '200' };
    const inv = price([agg('report', '8')], { spendLimit: { budget: '150' } }, terms);
    expect(inv.lines.map((l) => [l.key, l.amount])).toEqual([
      ['flat_fee', '100.00'],
      ['per_outcome', '80.00'],
      ['invoice:hard_limit', '-30.00'],
      ['invoice:minimum', '50.00'],
    ]);
    expect(inv.subtotal).toBe('200.00');
  });
});
