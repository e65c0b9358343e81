import { billableOutcomeTypes, componentKey, guaranteeKpis, knownOutcomeTypes, parseTerms } from './terms';
import type { Terms } from './types';

const flat = { type: 'flat_fee', amount: '50000.00', per: 'month', quantity: '3', unit: 'production line' };
const share = { type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'customer' };
const perOutcome = { type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer' };
const perArea = { type: 'per_area', annualRatePerKm2: '2000000.00', areaKm2: '8.5' };
const usage = { type: 'usage', metric: 'query', unitPrice: '0.20', per: '1', verification: 'auto' };
const guarantee = { kpi: 'congestion_reduction_pct', comparator: 'gte', threshold: '10', multiplierIfMissed: '0.5' };
const kpiDecl = { congestion_reduction_pct: { verification: 'customer' } };

function errorsOf(doc: unknown) {
  const r = parseTerms(doc);
  if (r.ok) throw new Error('expected the terms to be rejected');
  return r.errors;
}

describe('parseTerms accepts', () => {
  const valid: [string, unknown][] = [
    ['flat fee + value share (inspection)', { components: [flat, share] }],
    ['per outcome with a breakdown', { components: [{ ...perOutcome, breakdownBy: 'hospital' }] }],
    ['per area with a declared KPI guarantee', { components: [{ ...perArea, guarantee }], outcomeTypes: kpiDecl }],
    ['usage per million tokens', { components: [{ type: 'usage', metric: 'tokens.input', unitPrice: '0.27', per: '1000000' }] }],
    ['graduated tiers with a flat amount', {
      components: [{ type: 'usage', metric: 'query', tiers: [{ upTo: '1000', unitPrice: '0.10', flatAmount: '5.00' }, { upTo: null, unitPrice: '0.08' }] }],
    }],
    ['volume tiers', { components: [{ type: 'usage', metric: 'query', tierMode: 'volume', tiers: [{ upTo: '10', unitPrice: '1' }, { upTo: null, unitPrice: '0.5' }] }] }],
    ['package pricing with free units', { components: [{ type: 'usage', metric: 'sms', unitPrice: '5.00', packageSize: '100', freeUnits: '50' }] }],
    ['every modifier and top-level field', {
      components: [{ ...share, key: 'share', minimum: '100', cap: '1000', allowNegative: true, floor: '10', description: 'Share' }],
      minimum: '1000.00', cap: '900000', guarantee: { kpi: 'uptime', comparator: 'gt', threshold: '99.5', creditIfMissed: '500', whenMissing: 'assume_met' },
      rounding: 'HALF_EVEN', disputeWindowDays: 45,
      outcomeTypes: { uptime: { verification: 'third_party', verifier: 'Acme Audit', unit: '%', valuePerUnit: '0' } },
    }],
    ['a guarantee on a priced outcome type', { components: [{ ...perOutcome, guarantee: { kpi: 'report', comparator: 'gte', threshold: '100', creditIfMissed: '10' } }] }],
    ['a third-party verified share', { components: [{ ...share, verification: 'third_party', verifier: 'KPMG' }] }],
    ['negative KPI thresholds', { components: [{ ...perArea, guarantee: { ...guarantee, threshold: '-5' } }], outcomeTypes: kpiDecl }],
  ];
  it.each(valid)('%s', (_name, doc) => {
    const r = parseTerms(doc);
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it('returns a copy of the document', () => {
    const doc = { components: [flat] };
    const r = parseTerms(doc);
    expect(r.ok && r.terms).toEqual(doc);
    expect(r.ok && r.terms).not.toBe(doc);
  });
});

describe('parseTerms rejects', () => {
  const invalid: [string, unknown, string, RegExp?][] = [
    ['a document that is not an object', [flat], '', /JSON object/],
    ['a missing components array', {}, 'components', /missing required field/],
    ['an empty components array', { components: [] }, 'components', /at least one/],
    ['an unknown top-level field', { components: [flat], discount: '5' }, 'discount', /unknown field/],
    ['an unknown component type', { components: [flat, { type: 'bounty', amount: '1' }] }, 'components[1].type', /unknown component type/],
    ['a missing component type', { components: [{ amount: '1' }] }, 'components[0].type', /missing required field/],
    ['an unknown component field', { components: [{ ...flat, colour: 'red' }] }, 'components[0].colour', /unknown field/],
    ['an unknown guarantee field', { components: [{ ...perArea, guarantee: { ...guarantee, grace: '1' } }], outcomeTypes: kpiDecl }, 'components[0].guarantee.grace', /unknown field/],
    ['an unknown tier field', { components: [{ type: 'usage', metric: 'q', tiers: [{ upTo: null, unitPrice: '1', up_to: '3' }] }] }, 'components[0].tiers[0].up_to', /unknown field/],
    ['a missing flat fee amount', { components: [{ type: 'flat_fee', per: 'month' }] }, 'components[0].amount', /missing required field/],
    ['a price given as a JSON number', { components: [{ ...flat, amount: 50000 }] }, 'components[0].amount', /must be a decimal string/],
    ['a rate in exponent notation', { components: [{ ...share, rate: '1e-1' }] }, 'components[0].rate', /decimal string/],
    ['an amount of 1e400', { components: [{ ...flat, amount: '1e400' }] }, 'components[0].amount', /decimal string/],
    ['NaN', { components: [{ ...flat, quantity: 'NaN' }] }, 'components[0].quantity', /decimal string/],
    ['Infinity', { components: [{ ...perArea, areaKm2: 'Infinity' }] }, 'components[0].areaKm2', /decimal string/],
    ['a leading space', { components: [{ ...flat, amount: ' 1' }] }, 'components[0].amount', /decimal string/],
    ['an empty decimal string', { components: [{ ...usage, unitPrice: '' }] }, 'components[0].unitPrice', /decimal string/],
    ['a 40-digit number', { components: [{ ...flat, amount: '1234567890123456789012345678901234567890' }] }, 'components[0].amount', /decimal string/],
    ['13 fraction digits', { components: [{ ...usage, unitPrice: '0.0000000000001' }] }, 'components[0].unitPrice', /decimal string/],
    ['a negative price', { components: [{ ...perOutcome, unitPrice: '-15.00' }] }, 'components[0].unitPrice', /negative/],
    ['a negative quantity', { components: [{ ...flat, quantity: '-3' }] }, 'components[0].quantity', /negative/],
    ['a negative area', { components: [{ ...perArea, areaKm2: '-8.5' }] }, 'components[0].areaKm2', /negative/],
    ['a negative minimum', { components: [flat], minimum: '-1' }, 'minimum', /negative/],
    ['a negative tier bound', { components: [{ type: 'usage', metric: 'q', tiers: [{ upTo: '-10', unitPrice: '1' }, { upTo: null, unitPrice: '1' }] }] }, 'components[0].tiers[0].upTo', /greater than 0/],
    ['a value share rate above 1', { components: [share, { ...share, key: 'second', rate: '1.5' }] }, 'components[1].rate', /between 0 and 1/],
    ['a negative value share rate', { components: [{ ...share, rate: '-0.1' }] }, 'components[0].rate', /between 0 and 1/],
    ['a multiplier above 1', { components: [{ ...perArea, guarantee: { ...guarantee, multiplierIfMissed: '2' } }], outcomeTypes: kpiDecl }, 'components[0].guarantee.multiplierIfMissed', /between 0 and 1/],
    ['tiers not ascending', { components: [{ type: 'usage', metric: 'q', tiers: [{ upTo: '100', unitPrice: '1' }, { upTo: '50', unitPrice: '1' }, { upTo: null, unitPrice: '1' }] }] }, 'components[0].tiers[1].upTo', /ascending/],
    ['a bounded last tier', { components: [{ type: 'usage', metric: 'q', tiers: [{ upTo: '100', unitPrice: '1' }] }] }, 'components[0].tiers[0].upTo', /unbounded/],
    ['an unbounded middle tier', { components: [{ type: 'usage', metric: 'q', tiers: [{ upTo: null, unitPrice: '1' }, { upTo: null, unitPrice: '2' }] }] }, 'components[0].tiers[0].upTo', /only the last tier/],
    ['empty tiers', { components: [{ type: 'usage', metric: 'q', tiers: [] }] }, 'components[0].tiers', /at least one tier/],
    ['usage without unitPrice or tiers', { components: [{ type: 'usage', metric: 'q' }] }, 'components[0].unitPrice', /required when no tiers/],
    ['unitPrice together with tiers', { components: [{ type: 'usage', metric: 'q', unitPrice: '1', tiers: [{ upTo: null, unitPrice: '1' }] }] }, 'components[0].unitPrice', /not allowed with tiers/],
    ['packageSize with tiers', { components: [{ type: 'usage', metric: 'q', packageSize: '10', tiers: [{ upTo: null, unitPrice: '1' }] }] }, 'components[0].packageSize', /cannot be combined with tiers/],
    ['a zero packageSize', { components: [{ ...usage, per: undefined, packageSize: '0' }] }, 'components[0].packageSize', /greater than 0/],
    ['tierMode without tiers', { components: [{ ...usage, tierMode: 'volume' }] }, 'components[0].tierMode', /only allowed with tiers/],
    ['an empty breakdownBy', { components: [{ ...perOutcome, breakdownBy: '' }] }, 'components[0].breakdownBy', /non-empty string/],
    ['a breakdownBy that is not a string', { components: [{ ...perOutcome, breakdownBy: ['hospital'] }] }, 'components[0].breakdownBy', /must be a string/],
    ['a guarantee KPI nobody declares', { components: [{ ...perArea, guarantee }] }, 'components[0].guarantee.kpi', /congestion_reduction_pct/],
    ['an invoice guarantee KPI nobody declares', { components: [flat], guarantee }, 'guarantee.kpi', /neither declared/],
    ['a guarantee with neither multiplier nor credit', { components: [{ ...perArea, guarantee: { kpi: 'congestion_reduction_pct', comparator: 'gte', threshold: '10' } }], outcomeTypes: kpiDecl }, 'components[0].guarantee.multiplierIfMissed', /multiplierIfMissed or creditIfMissed/],
    ['a guarantee with both multiplier and credit', { components: [{ ...perArea, guarantee: { ...guarantee, creditIfMissed: '10' } }], outcomeTypes: kpiDecl }, 'components[0].guarantee.creditIfMissed', /not both/],
    ['an unknown comparator', { components: [{ ...perArea, guarantee: { ...guarantee, comparator: '>=' } }], outcomeTypes: kpiDecl }, 'components[0].guarantee.comparator', /gte \| gt \| lte \| lt/],
    ['an unknown whenMissing', { components: [{ ...perArea, guarantee: { ...guarantee, whenMissing: 'ignore' } }], outcomeTypes: kpiDecl }, 'components[0].guarantee.whenMissing', /block/],
    ['duplicate explicit line keys', { components: [{ ...flat, key: 'fee' }, { ...perArea, key: 'fee' }] }, 'components[1].key', /duplicate line key "fee"/],
    ['an explicit key that collides with a default key', { components: [{ ...flat, key: 'value_share' }, share] }, 'components[1]', /duplicate line key "value_share"/],
    ['a reserved key prefix', { components: [{ ...flat, key: 'adj:x' }] }, 'components[0].key', /reserved prefix/],
    ['disputeWindowDays as a string', { components: [flat], disputeWindowDays: '30' }, 'disputeWindowDays', /integer/],
    ['disputeWindowDays above 3650', { components: [flat], disputeWindowDays: 4000 }, 'disputeWindowDays', /between 0 and 3650/],
    ['a fractional disputeWindowDays', { components: [flat], disputeWindowDays: 1.5 }, 'disputeWindowDays', /integer/],
    ['an unknown verification', { components: [{ ...share, verification: 'manager' }] }, 'components[0].verification', /auto \| customer \| third_party/],
    ['a missing verification on a value share', { components: [{ type: 'value_share', rate: '0.1', outcomeType: 'savings' }] }, 'components[0].verification', /missing required field/],
    ['third_party without a verifier', { components: [{ ...share, verification: 'third_party' }] }, 'components[0].verifier', /name the verifying party/],
    ['a verifier on a customer-verified type', { components: [{ ...share, verifier: 'KPMG' }] }, 'components[0].verifier', /only allowed/],
    ['an outcome type declared without verification', { components: [flat], outcomeTypes: { uptime: { unit: '%' } } }, 'outcomeTypes.uptime.verification', /missing required field/],
    ['conflicting verification of one outcome type', { components: [share], outcomeTypes: { savings: { verification: 'auto' } } }, 'outcomeTypes.savings.verification', /verified by auto here but by customer/],
    ['an unknown rounding mode', { components: [flat], rounding: 'FLOOR' }, 'rounding', /HALF_UP \| HALF_EVEN/],
    ['per other than month or year', { components: [{ ...flat, per: 'week' }] }, 'components[0].per', /month \| year/],
    ['allowNegative as a string', { components: [{ ...share, allowNegative: 'true' }] }, 'components[0].allowNegative', /boolean/],
    ['a minimum above the cap', { components: [{ ...flat, minimum: '100', cap: '50' }] }, 'components[0].minimum', /exceeds cap/],
    ['a zero per', { components: [{ ...usage, per: '0' }] }, 'components[0].per', /greater than 0/],
    ['an empty metric', { components: [{ ...usage, metric: '' }] }, 'components[0].metric', /non-empty/],
  ];

  it('has at least 25 invalid cases', () => expect(invalid.length).toBeGreaterThanOrEqual(25));

  it.each(invalid)('%s', (_name, doc, path, message) => {
    const errors = errorsOf(doc);
    const hit = errors.find((e) => e.path === path);
    expect({ path, found: hit !== undefined, all: errors }).toMatchObject({ path, found: true });
    if (message) expect(hit!.message).toMatch(message);
  });

  it('returns every error, not only the first', () => {
    const errors = errorsOf({
      components: [{ ...flat, amount: 5 }, { ...share, rate: '2' }, { type: 'usage', metric: 'q' }],
      rounding: 'UP',
      extra: true,
    });
    expect(errors.map((e) => e.path).sort()).toEqual(
      ['components[0].amount', 'components[1].rate', 'components[2].unitPrice', 'extra', 'rounding'].sort(),
    );
  });
});

describe('terms helpers', () => {
  const terms: Terms = {
    components: [
      { type: 'flat_fee', amount: '1', per: 'month' },
      { type: 'flat_fee', amount: '2', per: 'month' },
      { type: 'usage', metric: 'tokens.input', unitPrice: '0.27', per: '1000000' },
      { type: 'flat_fee', amount: '3', per: 'year', key: 'support' },
      { type: 'flat_fee', amount: '4', per: 'month' },
      { type: 'per_outcome', unitPrice: '15', outcomeType: 'report', verification: 'customer', guarantee: { kpi: 'accuracy', comparator: 'gte', threshold: '0.9', creditIfMissed: '100' } },
    ],
    guarantee: { kpi: 'uptime', comparator: 'gte', threshold: '99', multiplierIfMissed: '0.9' },
    outcomeTypes: { accuracy: { verification: 'third_party', verifier: 'Lab' }, uptime: { verification: 'auto' } },
  };

  it('keys lines by explicit key, else metric for usage, else type, suffixing repeated defaults', () => {
    expect(terms.components.map((_, i) => componentKey(terms, i))).toEqual(['flat_fee', 'flat_fee#2', 'tokens.input', 'support', 'flat_fee#3', 'per_outcome']);
    expect(parseTerms(terms).ok).toBe(true);
  });

  it('lists billable and known outcome types with their verification', () => {
    expect([...billableOutcomeTypes(terms)]).toEqual([['tokens.input', 'auto'], ['report', 'customer']]);
    expect([...knownOutcomeTypes(terms)]).toEqual([['tokens.input', 'auto'], ['report', 'customer'], ['accuracy', 'third_party'], ['uptime', 'auto']]);
    expect(guaranteeKpis(terms)).toEqual(['accuracy', 'uptime']);
  });
});
