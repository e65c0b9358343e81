import { monthsBetween, paybackMonth, roiBand, roiPercent, schemeOf, shareRateOf, valueTypesOf } from './report-rules';
import { compactAmount } from './roi-chart';
import { grouped } from './report-documents';

describe('report rules', () => {
  it('computes ROI as (value − fees) ÷ fees with two decimals, half up, and none without fees', () => {
    expect(roiPercent('1000000', '250000')).toBe('300.00');
    expect(roiPercent('2400000', '360000')).toBe('566.67');
    expect(roiPercent('0', '117000')).toBe('-100.00');
    expect(roiPercent('1', '3')).toBe('-66.67');
    expect(roiPercent('5', '0')).toBeNull();
  });

  it('finds the payback month as the first month whose cumulative value reaches the cumulative fees', () => {
    const m = (month: string, v: string, f: string) => ({ month, cumulativeValue: v, cumulativeFees: f });
    expect(paybackMonth([m('2026-01', '0', '0'), m('2026-02', '50', '100'), m('2026-03', '200', '200')])).toBe('2026-03');
    expect(paybackMonth([m('2026-01', '10', '0')])).toBeNull();
    expect(paybackMonth([m('2026-01', '50', '100')])).toBeNull();
  });

  it('counts value shares by their value and declared types by count × valuePerUnit', () => {
    const terms = {
      components: [
        { type: 'flat_fee' as const, amount: '10', per: 'month' as const },
        { type: 'value_share' as const, rate: '0.10', outcomeType: 'savings', verification: 'customer' as const },
      ],
      outcomeTypes: { minutes_saved: { verification: 'customer' as const, valuePerUnit: '3.50' } },
    };
    expect(valueTypesOf(terms)).toEqual([
      { type: 'minutes_saved', perUnit: '3.50' },
      { type: 'savings', perUnit: null },
    ]);
    expect(shareRateOf(terms)).toBe('0.1');
    expect(schemeOf(terms)).toBe('flat_fee+value_share');
  });

  it('puts contracts into ROI bands around the threshold', () => {
    expect(roiBand(null, '15')).toBe('no fees');
    expect(roiBand('-100.00', '15')).toBe('below 0%');
    expect(roiBand('15.00', '15')).toBe('0% to 15%');
    expect(roiBand('15.01', '15')).toBe('above 15% to 100%');
    expect(roiBand('300.00', '15')).toBe('100% and above');
  });

  it('lists the months of a range across a year end', () => {
    expect(monthsBetween('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsBetween('2026-03', '2026-03')).toEqual(['2026-03']);
  });

  it('writes chart labels and document figures so that a person reads them at a glance', () => {
    expect(compactAmount('800000')).toBe('800k');
    expect(compactAmount('1250000')).toBe('1.25M');
    expect(compactAmount('-2000000')).toBe('-2M');
    expect(grouped('1000000.00')).toBe('1,000,000.00');
    expect(grouped('-3541666.67')).toBe('-3,541,666.67');
    expect(grouped('999.5')).toBe('999.5');
    expect(grouped('n/a')).toBe('n/a');
  });
});
