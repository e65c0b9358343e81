import { compareLines, difference, monthsOfPeriods, periodValue, roiUnderEach, sumTotals, sumValues } from './simulation-math';

describe('the side-by-side of an invoice and its simulation', () => {
  const invoice = [
    { key: 'flat_fee', description: 'Flat fee', amount: '100000.00' },
    { key: 'value_share', description: '10% of savings', amount: '12000.00' },
  ];
  const proposed = [
    { key: 'flat_fee', description: 'Flat fee (proposed)', amount: '60000.00' },
    { key: 'report', description: 'Reports', amount: '150.00' },
  ];

  it('pairs lines by key, the invoice’s first, and counts a missing side as zero', () => {
    expect(compareLines(invoice, proposed, 2)).toEqual([
      { key: 'flat_fee', description: 'Flat fee (proposed)', actual: '100000.00', simulated: '60000.00', difference: '-40000.00' },
      { key: 'value_share', description: '10% of savings', actual: '12000.00', simulated: null, difference: '-12000.00' },
      { key: 'report', description: 'Reports', actual: null, simulated: '150.00', difference: '150.00' },
    ]);
  });

  it('gives no difference without an invoice or without a priced simulation', () => {
    expect(compareLines(null, proposed, 2).map((l) => l.difference)).toEqual([null, null]);
    expect(compareLines(invoice, null, 2).map((l) => [l.actual, l.simulated, l.difference])).toEqual([
      ['100000.00', null, null],
      ['12000.00', null, null],
    ]);
  });

  it('keeps the currency’s decimals in differences and sums', () => {
    expect(difference('0.10', '0.3', 2)).toBe('0.20');
    expect(difference('100', '100', 0)).toBe('0');
    expect(sumTotals([{ subtotal: '0.10', tax: '0.01', total: '0.11' }, { subtotal: '0.20', tax: '0.01', total: '0.21' }], 2)).toEqual({
      subtotal: '0.30', tax: '0.02', total: '0.32',
    });
    expect(sumTotals([], 2)).toEqual({ subtotal: '0.00', tax: '0.00', total: '0.00' });
  });

  it('weighs the same delivered value against each subtotal, and states no ROI without a value basis', () => {
    const value = { measured: '600', estimated: '150.5' };
    expect(roiUnderEach(value, '250.00', '300.00', true, 2)).toEqual({
      value: '750.50', measuredValue: '600.00', estimatedValue: '150.50', actualFees: '250.00', simulatedFees: '300.00',
      actualRoiPercent: '200.20', simulatedRoiPercent: '150.17', roiPercentPointsDifference: '-50.03',
    });
    // No fees on a side: no ROI there (not infinity), and no difference.
    expect(roiUnderEach(value, null, '0.00', true, 2)).toMatchObject({ actualRoiPercent: null, simulatedRoiPercent: null, roiPercentPointsDifference: null });
    // No basis: never −100%.
    expect(roiUnderEach({ measured: '0', estimated: '0' }, '250.00', '300.00', false, 2)).toMatchObject({ actualRoiPercent: null, simulatedRoiPercent: null });
  });
});

describe('periods and their value', () => {
  it('values a monthly period by its month and an annual one by its twelve', () => {
    const rows = [
      { month: '2026-03', estimated: false, value: '100' },
      { month: '2026-03', estimated: true, value: '5.5' },
      { month: '2026-11', estimated: false, value: '1' },
      { month: '2027-01', estimated: false, value: '1000' },
    ];
    expect(monthsOfPeriods('monthly', ['2026-03', '2026-04'])).toEqual(['2026-03', '2026-04']);
    expect(monthsOfPeriods('annual', ['2026'])).toHaveLength(12);
    expect(periodValue(rows, '2026-03')).toEqual({ measured: '100', estimated: '5.5' });
    expect(periodValue(rows, '2026')).toEqual({ measured: '101', estimated: '5.5' });
    expect(sumValues([periodValue(rows, '2026'), periodValue(rows, '2027')])).toEqual({ measured: '1101', estimated: '5.5' });
  });
});
