import fc from 'fast-check';
import { priceInvoice } from './engine';
import { samplePricingInput, sampleOutcomeId, type SampleOutcome } from './sample';
import type { PricingContract, Terms } from './types';

const contract: PricingContract = { currency: 'CNY', timezone: 'Asia/Shanghai', taxRate: '0', startsOn: '2026-03-01', endsOn: null, billingCycle: 'monthly' };
const march = { start: '2026-03-01', end: '2026-04-01' };
const terms = {
  components: [{ type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer', breakdownBy: 'hospital' }],
} as unknown as Terms;

describe('a quote’s sample as engine input', () => {
  it('keeps the period’s billable outcomes by local date, by type and by breakdown dimension', () => {
    const sample: SampleOutcome[] = [
      { type: 'report', occurredAt: '2026-03-31T15:59:59Z', dimensions: { hospital: 'H1' } }, // 23:59:59 on 31 March in Shanghai
      { type: 'report', occurredAt: '2026-03-31T16:00:00Z', dimensions: { hospital: 'H1' } }, // 00:00 on 1 April: not March
      { type: 'report', occurredAt: '2026-03-02T10:00:00+08:00', dimensions: { hospital: 'H2' } },
      { type: 'other', occurredAt: '2026-03-02T10:00:00+08:00' },
    ];
    const input = samplePricingInput(contract, terms, march, sample);
    const whole = input.aggregates.find((a) => !a.dimensions)!;
    expect(whole).toMatchObject({ outcomeType: 'report', count: '2' });
    expect(input.aggregates.filter((a) => a.dimensions).map((a) => [a.dimensions!.hospital, a.count]).sort()).toEqual([['H1', '1'], ['H2', '1']]);
    expect(input.aggregates.some((a) => a.outcomeType === 'other')).toBe(false);
    expect(sampleOutcomeId(0)).toBe('00000000-0000-0000-0000-000000000001');
  });

  it('prices the same whatever the order of the sample', () => {
    const outcome = fc.record({
      day: fc.integer({ min: 1, max: 31 }),
      hospital: fc.constantFrom('H1', 'H2', 'H3'),
    });
    fc.assert(
      fc.property(fc.array(outcome, { maxLength: 40 }), fc.integer(), (list, seed) => {
        const sample = list.map((o) => ({ type: 'report', occurredAt: `2026-03-${String(o.day).padStart(2, '0')}T12:00:00+08:00`, dimensions: { hospital: o.hospital } }));
        const shuffled = [...sample].sort((a, b) => ((a.occurredAt + a.dimensions.hospital + seed).localeCompare(b.occurredAt + b.dimensions.hospital)));
        const a = priceInvoice(samplePricingInput(contract, terms, march, sample));
        const b = priceInvoice(samplePricingInput(contract, terms, march, shuffled));
        expect(a.ok && b.ok && [a.subtotal, a.lines.map((l) => l.amount)]).toEqual(b.ok && [b.subtotal, b.lines.map((l) => l.amount)]);
        expect(a.ok && a.subtotal).toBe(a.ok && (15 * sample.length).toFixed(2));
      }),
    );
  });
});

describe('a quote charged once per case', () => {
  const perConversation = {
    components: [{ type: 'per_outcome', unitPrice: '0.99', outcomeType: 'resolution', verification: 'customer', chargeOncePer: 'conversation' }],
  } as unknown as Terms;
  const r = (conversation: string | null, occurredAt: string): SampleOutcome => ({ type: 'resolution', occurredAt, ...(conversation ? { dimensions: { conversation } } : {}) });
  const sample = [
    r('A', '2026-03-02T10:00:00+08:00'),
    r('A', '2026-03-03T10:00:00+08:00'),
    r(null, '2026-03-04T10:00:00+08:00'),
    r('A', '2026-04-02T10:00:00+08:00'), // charged in March already
    r('B', '2026-04-03T10:00:00+08:00'),
  ];
  const priced = (period: { start: string; end: string }) => {
    const res = priceInvoice(samplePricingInput(contract, perConversation, period, sample));
    if (!res.ok) throw new Error(res.reason);
    return res.lines.map((l) => [l.quantity, l.amount]);
  };

  it('charges each case once, in the first period of the quote that has an outcome of it', () => {
    expect(priced(march)).toEqual([['2', '1.98']]);
    expect(priced({ start: '2026-04-01', end: '2026-05-01' })).toEqual([['1', '0.99']]);
  });
});
