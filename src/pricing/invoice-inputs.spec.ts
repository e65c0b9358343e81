import { invoicePricingInput, periodAdjustments, pricingContractOf } from './invoice-inputs';
import { parseTerms } from './terms';
import type { OutcomeAggregate, PricingContract, Terms } from './types';

const terms = (parseTerms({ components: [{ type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'customer' }] }) as { terms: Terms }).terms;
const contract: PricingContract = { currency: 'USD', timezone: 'UTC', taxRate: '0', startsOn: '2026-01-01', endsOn: null, billingCycle: 'monthly' };
const row = (count: string, valueSum: string): OutcomeAggregate => ({ outcomeType: 'savings', count, quantitySum: '0', valueSum, idsDigest: 'xor128:00' });
const FEBRUARY = { start: '2026-02-01', end: '2026-03-01' };

describe('the engine input of an invoice, shared by billing and the offline verifier', () => {
  it('prices late outcomes over what was billed, and reversals over billed plus late, as negative deltas', () => {
    const billed = [row('2', '50000')];
    const late = [row('1', '20000')];
    const reversed = [row('1', '15000')];
    const adjustments = periodAdjustments([{ period: FEBRUARY, terms, kpis: [], billed, late, reversed }]);
    expect(adjustments).toEqual([
      { kind: 'late_verified', period: FEBRUARY, terms, kpis: [], billed, delta: late },
      { kind: 'reversal', period: FEBRUARY, terms, kpis: [], billed: [...billed, ...late], delta: [row('-1', '-15000')] },
    ]);
  });

  it('leaves out a period that did not change, and the adjustments field when nothing changed', () => {
    const input = invoicePricingInput({
      contract,
      terms,
      period: { start: '2026-03-01', end: '2026-04-01' },
      aggregates: [row('1', '100')],
      kpis: [],
      earlier: [{ period: FEBRUARY, terms, kpis: [], billed: [row('2', '50000')], late: [], reversed: [] }],
    });
    expect(input).toEqual({ contract, terms, period: { start: '2026-03-01', end: '2026-04-01' }, aggregates: [row('1', '100')], kpis: [] });
    expect('adjustments' in input).toBe(false);
  });

  it('keeps only the contract fields the engine reads', () => {
    const document = { ...contract, id: 'c-1', name: 'Inspection', status: 'active', termsVersions: [] };
    expect(pricingContractOf(document)).toEqual(contract);
  });
});
