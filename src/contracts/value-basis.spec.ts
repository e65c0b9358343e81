import type { Terms } from '../pricing/types';
import { basisFromTerms, basisItemErrors, describeItem, recurringUnitValue, undeclaredTypeErrors } from './value-basis';

const traffic: Terms = {
  components: [
    {
      type: 'per_area',
      annualRatePerKm2: '2000000.00',
      areaKm2: '8.5',
      guarantee: { kpi: 'congestion_reduction_pct', comparator: 'gte', threshold: '10', multiplierIfMissed: '0.5', whenMissing: 'block' },
    },
  ],
  outcomeTypes: { congestion_reduction_pct: { verification: 'customer' } },
} as Terms;

describe('value basis rules', () => {
  it('accepts a basis on a guarantee KPI and names an outcome type the terms do not declare', () => {
    expect(undeclaredTypeErrors([{ outcomeType: 'congestion_reduction_pct' }], traffic)).toEqual([]);
    expect(undeclaredTypeErrors([{ outcomeType: 'congestion_reduction_pct' }, { outcomeType: 'fuel_saved' }], traffic)).toEqual([
      { field: 'items[1].outcomeType', message: expect.stringContaining('fuel_saved is not an outcome type') },
    ]);
  });

  it('asks each method for its own figures and one item per type', () => {
    expect(
      basisItemErrors([
        { outcomeType: 'a', method: 'measured', unitValue: '1', description: 'x' },
        { outcomeType: 'b', method: 'per_unit', description: 'x' },
        { outcomeType: 'b', method: 'per_kpi_point', unitValue: '1', baseline: '0', description: 'x' },
      ]).map((e) => e.field),
    ).toEqual(['items[0].unitValue', 'items[1].unitValue', 'items[2].outcomeType']);
  });

  it('reads value shares as measured value and a valuePerUnit as an agreed estimate', () => {
    const terms = {
      components: [{ type: 'value_share', rate: '0.1', outcomeType: 'savings', verification: 'customer' }],
      outcomeTypes: { report: { verification: 'customer', valuePerUnit: '40.00' } },
    } as Terms;
    expect(basisFromTerms(terms)).toEqual([
      expect.objectContaining({ outcomeType: 'report', method: 'per_unit', unitValue: '40.00', estimated: true }),
      expect.objectContaining({ outcomeType: 'savings', method: 'measured', estimated: false }),
    ]);
    expect(describeItem(basisFromTerms(terms)[0])).toBe('report: 40 per verified unit, agreed estimate (valuePerUnit in the terms)');
  });

  it('values a licence’s seats in service per month, prorated by active days, and only units a flat fee bills', () => {
    const seats = {
      components: [
        { type: 'flat_fee', amount: '30.00', per: 'month', quantity: '25', unit: 'seat' },
        { type: 'flat_fee', amount: '120.00', per: 'year', quantity: '5', unit: 'seat' },
      ],
    } as Terms;
    const item = { outcomeType: 'seat', method: 'per_recurring_unit' as const, unitValue: '45.00' };
    // 30 seats (25 + 5, however each is priced) × 45.00 × 22/31 (the contract starts on 10 March).
    expect(recurringUnitValue(item, seats, '2026-03', '2026-03-10', null)).toBe('958.06451612903225806');
    expect(recurringUnitValue(item, seats, '2026-04', '2026-03-10', null)).toBe('1350');
    // Ended on 15 April: 15 of 30 days; a month after the end counts nothing.
    expect(recurringUnitValue(item, seats, '2026-04', '2026-03-10', '2026-04-15')).toBe('675');
    expect(recurringUnitValue(item, seats, '2026-05', '2026-03-10', '2026-04-15')).toBe('0');
    expect(undeclaredTypeErrors([item], seats)).toEqual([]);
    expect(undeclaredTypeErrors([{ ...item, outcomeType: 'licence' }], seats)).toEqual([
      { field: 'items[0].outcomeType', message: 'licence is not a unit a flat fee of the contract’s terms bills (units: seat)' },
    ]);
    // A recurring unit is not an outcome type: per_unit on `seat` names nothing the terms declare.
    expect(undeclaredTypeErrors([{ outcomeType: 'seat', method: 'per_unit' }], seats)).toHaveLength(1);
    expect(basisItemErrors([{ outcomeType: 'seat', method: 'per_recurring_unit', baseline: '1', description: 'x' }]).map((e) => e.field)).toEqual([
      'items[0].unitValue',
      'items[0].baseline',
    ]);
    expect(describeItem({ ...item, estimated: true, description: 'analyst hours saved' })).toBe('seat: 45 per seat in service per month, agreed estimate (analyst hours saved)');
  });
});
