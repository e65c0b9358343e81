import type { Terms } from '../pricing/types';
import { basisFromTerms, basisItemErrors, describeItem, undeclaredTypeErrors } from './value-basis';

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
});
