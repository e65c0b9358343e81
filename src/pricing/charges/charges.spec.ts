import { breakdownDimensions, componentKey, componentMeasure, componentOutcomeType, componentVerification, parseTerms } from '../terms';
import type { ComponentType, PriceComponent, Terms } from '../types';
import { CHARGE_MODELS, chargeModel, COMPONENT_TYPES, isComponentType } from './index';

const ALL: Record<ComponentType, PriceComponent> = {
  flat_fee: { type: 'flat_fee', amount: '10', per: 'month' },
  value_share: { type: 'value_share', rate: '0.1', outcomeType: 'savings', verification: 'customer' },
  per_outcome: { type: 'per_outcome', unitPrice: '15', outcomeType: 'report', verification: 'third_party', verifier: 'Lab', breakdownBy: 'hospital' },
  per_area: { type: 'per_area', annualRatePerKm2: '100', areaKm2: '2' },
  usage: { type: 'usage', metric: 'query', unitPrice: '0.2' },
};

describe('the table of charge models', () => {
  it('has exactly one model per component type, registered under its own type', () => {
    expect([...COMPONENT_TYPES].sort()).toEqual(Object.keys(ALL).sort());
    for (const type of COMPONENT_TYPES) expect(CHARGE_MODELS[type].type).toBe(type);
    expect(isComponentType('usage')).toBe(true);
    expect(isComponentType('toString')).toBe(false);
  });

  it('accepts each model’s own fields and rejects another model’s', () => {
    for (const c of Object.values(ALL)) expect(parseTerms({ components: [c] }).ok).toBe(true);
    const wrong = parseTerms({ components: [{ ...ALL.flat_fee, metric: 'query' }] });
    expect(wrong).toMatchObject({ ok: false, errors: [{ path: 'components[0].metric', message: expect.stringMatching(/^unknown field "metric"/) }] });
  });

  it('answers what each component bills, who verifies it, what it must carry and how it breaks down', () => {
    const rows = Object.values(ALL).map((c) => [c.type, componentOutcomeType(c), componentVerification(c), componentMeasure(c)]);
    expect(rows).toEqual([
      ['flat_fee', undefined, undefined, undefined],
      ['value_share', 'savings', 'customer', 'value'],
      ['per_outcome', 'report', 'third_party', undefined],
      ['per_area', undefined, undefined, undefined],
      ['usage', 'query', 'auto', 'quantity'],
    ]);
    const terms = { components: Object.values(ALL) } as Terms;
    expect(breakdownDimensions([terms, { components: [{ ...ALL.per_outcome, breakdownBy: 'clinic' }] } as Terms])).toEqual(['clinic', 'hospital']);
    expect(Object.values(ALL).map((c, i) => componentKey({ components: Object.values(ALL) }, i))).toEqual(['flat_fee', 'value_share', 'per_outcome', 'per_area', 'query']);
    expect(chargeModel(ALL.usage)).toBe(CHARGE_MODELS.usage);
  });
});
