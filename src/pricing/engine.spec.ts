import { priceInvoice } from './engine';
import { monthPeriod } from './period';
import type { OutcomeAggregate, PricedInvoice, PricingContract, PricingInput, PricingResult, Terms } from './types';

const contract: PricingContract = { currency: 'CNY', timezone: 'Asia/Shanghai', taxRate: '0.06', startsOn: '2026-01-01', billingCycle: 'monthly' };
const march = monthPeriod('2026-03');

function agg(outcomeType: string, fields: Partial<OutcomeAggregate> = {}): OutcomeAggregate {
  return { outcomeType, count: '0', quantitySum: '0', valueSum: '0', idsDigest: 'd'.repeat(64), ...fields };
}

function run(terms: Terms, aggregates: OutcomeAggregate[] = [], extra: Partial<PricingInput> = {}): PricingResult {
  return priceInvoice({ contract, terms, period: march, aggregates, kpis: [], ...extra });
}

function ok(result: PricingResult): PricedInvoice {
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.reason}`);
  return result;
}

function amounts(result: PricingResult): Record<string, string> {
  return Object.fromEntries(ok(result).lines.map((l) => [l.key, l.amount]));
}

describe('flat fees and proration', () => {
  it('bills a yearly fee on a monthly cycle as a twelfth', () => {
    const inv = ok(run({ components: [{ type: 'flat_fee', amount: '1200.00', per: 'year', quantity: '2' }] }));
    expect(inv.lines[0]).toMatchObject({ amount: '200.00', quantity: '2', unitPrice: '1200.00' });
    expect(inv.trace.lines[0].formula).toBe('1200.00 × 2 ÷ 12');
  });

  it('bills a monthly fee on an annual cycle twelve times', () => {
    const inv = ok(priceInvoice({
      contract: { ...contract, billingCycle: 'annual' }, terms: { components: [{ type: 'flat_fee', amount: '100', per: 'month' }] },
      period: { start: '2026-01-01', end: '2027-01-01' }, aggregates: [], kpis: [],
    }));
    expect(inv.subtotal).toBe('1200.00');
    expect(inv.trace.lines[0].formula).toBe('100 × 1 × 12');
  });

  it('prorates the last month of a contract that ends on the 15th', () => {
    const inv = ok(priceInvoice({
      contract: { ...contract, endsOn: '2026-03-15' }, terms: { components: [{ type: 'flat_fee', amount: '31.00', per: 'month' }] },
      period: march, aggregates: [], kpis: [],
    }));
    expect(inv.subtotal).toBe('15.00');
    expect(inv.trace.lines[0].formula).toBe('31.00 × 1 × 15/31');
  });

  it('refuses a period wholly outside the contract', () => {
    const r = priceInvoice({ contract: { ...contract, startsOn: '2026-04-01' }, terms: { components: [{ type: 'flat_fee', amount: '1', per: 'month' }] }, period: march, aggregates: [], kpis: [] });
    expect(r).toMatchObject({ ok: false, code: 'PERIOD_OUTSIDE_CONTRACT' });
  });

  it('rounds to no decimals in yen and to three in dinars', () => {
    const terms: Terms = { components: [{ type: 'flat_fee', amount: '1000', per: 'year' }] };
    const yen = ok(priceInvoice({ contract: { ...contract, currency: 'JPY', taxRate: '0.1' }, terms, period: march, aggregates: [], kpis: [] }));
    expect([yen.subtotal, yen.tax, yen.total]).toEqual(['83', '8', '91']);
    const dinar = ok(priceInvoice({ contract: { ...contract, currency: 'KWD', taxRate: '0' }, terms, period: march, aggregates: [], kpis: [] }));
    expect(dinar.subtotal).toBe('83.333');
  });

  it('rounds half to even when the terms say HALF_EVEN, half up otherwise', () => {
    const terms: Terms = { components: [{ type: 'usage', metric: 'q', unitPrice: '0.005' }] };
    const rows = [agg('q', { count: '1', quantitySum: '1' })];
    expect(amounts(run(terms, rows))).toEqual({ q: '0.01' });
    expect(amounts(run({ ...terms, rounding: 'HALF_EVEN' }, rows))).toEqual({ q: '0.00' });
  });

  it('refuses invalid terms with the field errors', () => {
    const r = run({ components: [{ type: 'flat_fee', amount: '-1', per: 'month' }] });
    expect(r).toMatchObject({ ok: false, code: 'TERMS_INVALID', details: { errors: [{ path: 'components[0].amount' }] } });
  });
});

describe('value share', () => {
  const terms: Terms = { components: [{ type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'customer' }] };

  it('charges the rate times the verified value of the whole type', () => {
    const inv = ok(run(terms, [agg('savings', { count: '3', valueSum: '1000000.00' }), agg('savings', { dimensions: { line: 'L1' }, count: '1', valueSum: '400000.00' })]));
    expect(inv.lines).toHaveLength(1);
    expect(inv.lines[0]).toMatchObject({ key: 'value_share', amount: '100000.00', quantity: '1000000.00', unitPrice: null });
    expect(inv.trace.lines[0].formula).toBe('0.10 × 1000000.00');
    expect(inv.trace.lines[0].inputs).toMatchObject({ rate: '0.10', count: '3', valueSum: '1000000.00' });
  });

  it('floors a negative value at zero unless negative fees are allowed', () => {
    const rows = [agg('savings', { count: '1', valueSum: '-500.00' })];
    expect(amounts(run(terms, rows))).toEqual({ value_share: '0.00' });
    const allow: Terms = { components: [{ ...terms.components[0], allowNegative: true } as Terms['components'][0]] };
    expect(amounts(run(allow, rows))).toEqual({ value_share: '-50.00' });
  });

  it('applies the floor inside the line', () => {
    const floored: Terms = { components: [{ ...terms.components[0], floor: '25.00' } as Terms['components'][0]] };
    expect(amounts(run(floored, [agg('savings', { count: '1', valueSum: '100' })]))).toEqual({ value_share: '25.00' });
  });
});

describe('per outcome', () => {
  const terms: Terms = { components: [{ type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer', breakdownBy: 'hospital' }] };

  it('gives one line per dimension value, sorted, each rounded', () => {
    const rows = [
      agg('report', { count: '5' }),
      agg('report', { dimensions: { hospital: 'H2' }, count: '1' }),
      agg('report', { dimensions: { hospital: 'H10' }, count: '3' }),
      agg('report', { dimensions: { site: 'S' }, count: '5' }),
    ];
    const inv = ok(run(terms, rows));
    expect(inv.lines.map((l) => [l.key, l.amount, l.dimensions])).toEqual([
      ['per_outcome[hospital=H10]', '45.00', { hospital: 'H10' }],
      ['per_outcome[hospital=H2]', '15.00', { hospital: 'H2' }],
      ['per_outcome[hospital=(none)]', '15.00', undefined],
    ]);
  });

  it('prices the whole type when there is no breakdown row', () => {
    expect(amounts(run(terms, [agg('report', { count: '7800' })]))).toEqual({ per_outcome: '117000.00' });
  });
});

describe('usage', () => {
  const tiers = [
    { upTo: '1000', unitPrice: '0.10', flatAmount: '5.00' },
    { upTo: '5000', unitPrice: '0.08' },
    { upTo: null, unitPrice: '0.05', flatAmount: '20.00' },
  ];
  const usage = (quantitySum: string) => [agg('query', { count: '1', quantitySum })];

  it('charges graduated tiers tier by tier plus the flat amount of each tier reached', () => {
    const inv = ok(run({ components: [{ type: 'usage', metric: 'query', tiers }] }, usage('6000')));
    // 1000 × 0.10 + 5 + 4000 × 0.08 + 1000 × 0.05 + 20 = 100 + 5 + 320 + 50 + 20
    expect(inv.lines[0]).toMatchObject({ amount: '495.00', unitPrice: null, quantity: '6000' });
    expect(inv.trace.lines[0].formula).toBe('1000 × 0.10 + 5.00 + 4000 × 0.08 + 1000 × 0.05 + 20.00');
  });

  it('charges volume tiers at the price of the tier the total falls in, upTo inclusive', () => {
    const terms: Terms = { components: [{ type: 'usage', metric: 'query', tiers, tierMode: 'volume' }] };
    expect(amounts(run(terms, usage('1000')))).toEqual({ query: '105.00' });
    expect(amounts(run(terms, usage('1001')))).toEqual({ query: '80.08' });
    expect(amounts(run(terms, usage('6000')))).toEqual({ query: '320.00' });
  });

  it('charges a package per started block', () => {
    const terms: Terms = { components: [{ type: 'usage', metric: 'sms', unitPrice: '5.00', packageSize: '100' }] };
    expect(amounts(run(terms, [agg('sms', { quantitySum: '250' })]))).toEqual({ sms: '15.00' });
    expect(amounts(run(terms, [agg('sms', { quantitySum: '300' })]))).toEqual({ sms: '15.00' });
    expect(amounts(run(terms, [agg('sms', { quantitySum: '0' })]))).toEqual({ sms: '0.00' });
  });

  it('gives free units before charging, never below zero', () => {
    const terms: Terms = { components: [{ type: 'usage', metric: 'query', unitPrice: '0.20', freeUnits: '1000' }] };
    expect(amounts(run(terms, usage('1500')))).toEqual({ query: '100.00' });
    expect(amounts(run(terms, usage('500')))).toEqual({ query: '0.00' });
  });

  it('gives a zero line when nothing was metered', () => {
    const inv = ok(run({ components: [{ type: 'usage', metric: 'tokens.output', unitPrice: '1.10', per: '1000000' }] }));
    expect(inv.lines[0]).toMatchObject({ key: 'tokens.output', amount: '0.00', quantity: '0', unitPrice: '0.0000011' });
  });
});

describe('modifiers', () => {
  it('clamps a component at its cap and records it in the trace', () => {
    const inv = ok(run({ components: [{ type: 'usage', metric: 'query', unitPrice: '1', cap: '100.00' }] }, [agg('query', { quantitySum: '150' })]));
    expect(inv.lines).toHaveLength(1);
    expect(inv.lines[0].amount).toBe('100.00');
    expect(inv.trace.lines[0].formula).toBe('min(1 × 150, cap 100.00)');
    expect(inv.trace.lines[0].inputs).toMatchObject({ cap: '100.00', uncappedAmount: '150' });
  });

  it('trues a component up to its minimum with a separate line', () => {
    const inv = ok(run({ components: [{ type: 'usage', metric: 'query', unitPrice: '0.10', minimum: '500.00' }] }, [agg('query', { quantitySum: '1234' })]));
    expect(inv.lines.map((l) => [l.key, l.kind, l.amount])).toEqual([
      ['query', 'charge', '123.40'],
      ['query:minimum', 'minimum_true_up', '376.60'],
    ]);
    expect(inv.subtotal).toBe('500.00');
  });

  it('subtracts a guarantee credit as its own line, never more than the charge', () => {
    const terms: Terms = {
      components: [{ type: 'flat_fee', amount: '1000.00', per: 'month', guarantee: { kpi: 'uptime', comparator: 'gte', threshold: '99.9', creditIfMissed: '1500.00' } }],
      outcomeTypes: { uptime: { verification: 'auto' } },
    };
    const kpis = [{ kpi: 'uptime', value: '99.5', outcomeId: 'u-1', occurredAt: '2026-03-31T00:00:00Z' }];
    const inv = ok(run(terms, [], { kpis }));
    expect(inv.lines.map((l) => [l.key, l.kind, l.amount])).toEqual([
      ['flat_fee', 'charge', '1000.00'],
      ['flat_fee:guarantee_credit', 'guarantee_credit', '-1000.00'],
    ]);
    expect(inv.guarantees[0]).toMatchObject({ result: 'missed', measured: '99.5', effect: '− 1500.00' });
  });

  it('reads the latest KPI measurement, ties broken by outcome id', () => {
    const terms: Terms = {
      components: [{ type: 'flat_fee', amount: '100', per: 'month', guarantee: { kpi: 'uptime', comparator: 'gte', threshold: '99', multiplierIfMissed: '0.5' } }],
      outcomeTypes: { uptime: { verification: 'auto' } },
    };
    const kpis = [
      { kpi: 'uptime', value: '98', outcomeId: 'b', occurredAt: '2026-03-31T08:00:00+08:00' },
      { kpi: 'uptime', value: '99.5', outcomeId: 'a', occurredAt: '2026-03-31T00:00:00Z' },
      { kpi: 'uptime', value: '90', outcomeId: 'z', occurredAt: '2026-03-02T00:00:00Z' },
    ];
    // 08:00+08:00 is 00:00Z: a tie, won by the greater id 'b' (98: missed).
    expect(ok(run(terms, [], { kpis })).guarantees[0]).toMatchObject({ measurementId: 'b', result: 'missed' });
  });

  it('assumes met or missed when the terms say so, and says so in the trace', () => {
    const base = (whenMissing: 'assume_met' | 'assume_missed'): Terms => ({
      components: [{ type: 'flat_fee', amount: '100', per: 'month', guarantee: { kpi: 'uptime', comparator: 'gte', threshold: '99', multiplierIfMissed: '0.5', whenMissing } }],
      outcomeTypes: { uptime: { verification: 'auto' } },
    });
    const met = ok(run(base('assume_met')));
    expect(met.subtotal).toBe('100.00');
    expect(met.trace.lines[0].guarantee).toMatchObject({ result: 'assumed_met', measured: null });
    const missed = ok(run(base('assume_missed')));
    expect(missed.subtotal).toBe('50.00');
    expect(missed.trace.lines[0].guarantee).toMatchObject({ result: 'assumed_missed', effect: '× 0.5 (no measurement: whenMissing assume_missed)' });
  });

  it('applies the invoice-level guarantee, cap and minimum after the component lines', () => {
    const terms: Terms = {
      components: [
        { type: 'flat_fee', amount: '1000.00', per: 'month' },
        { type: 'usage', metric: 'query', unitPrice: '1' },
      ],
      guarantee: { kpi: 'csat', comparator: 'gte', threshold: '4.5', multiplierIfMissed: '0.8' },
      cap: '1500.00',
      outcomeTypes: { csat: { verification: 'customer' } },
    };
    const kpis = [{ kpi: 'csat', value: '4.2', outcomeId: 'c', occurredAt: '2026-03-31T00:00:00Z' }];
    const inv = ok(run(terms, [agg('query', { quantitySum: '1000' })], { kpis }));
    expect(inv.lines.map((l) => [l.key, l.componentType, l.kind, l.amount])).toEqual([
      ['flat_fee', 'flat_fee', 'charge', '1000.00'],
      ['query', 'usage', 'charge', '1000.00'],
      ['invoice:guarantee', 'invoice', 'guarantee_credit', '-400.00'],
      ['invoice:cap', 'invoice', 'cap', '-100.00'],
    ]);
    expect(inv.subtotal).toBe('1500.00');
    const min = ok(run({ components: [{ type: 'usage', metric: 'query', unitPrice: '1' }], minimum: '200' }, [agg('query', { quantitySum: '50.5' })]));
    expect(amounts(min)).toEqual({ query: '50.50', 'invoice:minimum': '149.50' });
  });
});

describe('adjustments', () => {
  const shareTerms: Terms = { components: [{ type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'customer' }] };
  const reportTerms: Terms = { components: [{ type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer' }] };
  const feb = monthPeriod('2026-02');

  it('bills an outcome verified after its period was invoiced as a labelled adjustment line', () => {
    const inv = ok(run(shareTerms, [agg('savings', { count: '1', valueSum: '100' })], {
      adjustments: [{
        kind: 'late_verified', period: feb, terms: shareTerms, kpis: [],
        billed: [agg('savings', { count: '2', valueSum: '5000' })],
        delta: [agg('savings', { count: '1', valueSum: '2000.00' })],
      }],
    }));
    expect(inv.lines.map((l) => [l.key, l.kind, l.amount, l.description])).toEqual([
      ['value_share', 'charge', '10.00', '10% of verified savings'],
      ['adj:late_verified:2026-02-01:value_share', 'adjustment', '200.00', 'Adjustment for 2026-02: 1 savings outcome verified late'],
    ]);
    expect(inv.lines[1].adjustment).toEqual({ kind: 'late_verified', period: feb });
    expect(inv.subtotal).toBe('210.00');
  });

  it('credits a reversed outcome with a negative adjustment under the old period\'s terms', () => {
    const oldTerms: Terms = { components: [{ type: 'per_outcome', unitPrice: '12.00', outcomeType: 'report', verification: 'customer' }] };
    const inv = ok(run(reportTerms, [], {
      adjustments: [{ kind: 'reversal', period: feb, terms: oldTerms, kpis: [], billed: [agg('report', { count: '10' })], delta: [agg('report', { count: '-1' })] }],
    }));
    expect(amounts(inv)).toEqual({ per_outcome: '0.00', 'adj:reversal:2026-02-01:per_outcome': '-12.00' });
    expect(inv.lines[1].description).toBe('Adjustment for 2026-02: 1 report outcome reversed');
  });

  it('omits an adjustment that changes nothing, e.g. when the minimum still binds', () => {
    const terms: Terms = { components: [{ type: 'per_outcome', unitPrice: '1.00', outcomeType: 'report', verification: 'customer', minimum: '100' }] };
    const inv = ok(run(reportTerms, [], {
      adjustments: [{ kind: 'late_verified', period: feb, terms, kpis: [], billed: [agg('report', { count: '10' })], delta: [agg('report', { count: '5' })] }],
    }));
    expect(inv.lines.map((l) => l.key)).toEqual(['per_outcome']);
  });

  it('prices the adjustment with the old period\'s KPI and treats a missing one as met', () => {
    const terms: Terms = {
      components: [{ type: 'per_outcome', unitPrice: '10', outcomeType: 'report', verification: 'customer', guarantee: { kpi: 'accuracy', comparator: 'gte', threshold: '0.95', multiplierIfMissed: '0.5' } }],
      outcomeTypes: { accuracy: { verification: 'customer' } },
    };
    const adj = (kpis: PricingInput['kpis']) => ok(run(reportTerms, [], {
      adjustments: [{ kind: 'late_verified', period: feb, terms, kpis, billed: [], delta: [agg('report', { count: '2' })] }],
    })).lines[1].amount;
    expect(adj([{ kpi: 'accuracy', value: '0.9', outcomeId: 'k', occurredAt: '2026-02-28T00:00:00Z' }])).toBe('10.00');
    expect(adj([])).toBe('20.00');
  });
});
