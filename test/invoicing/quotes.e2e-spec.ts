jest.setTimeout(120_000);

import { loadSeedScenarios, outcomesOfScenario, termsOfScenario, type SeedScenario } from '../../src/demo/seed-scenarios';
import { createTestApp, type KeyedClient, type TestApp } from '../support/test-app';

/**
 * Quotes (#15 item 5): `POST /v1/simulations` prices a prospective customer's sample of expected
 * outcomes under proposed terms with billing's own engine, and gives the ROI the value basis implies.
 */
const RECORD_TABLES = ['contracts', 'terms_versions', 'customers', 'outcomes', 'outcome_events', 'invoices', 'invoice_outcomes', 'journal_entries', 'value_basis_versions'];
const TRAFFIC_TERMS = {
  components: [
    {
      type: 'per_area', annualRatePerKm2: '2000000.00', areaKm2: '8.5',
      guarantee: { kpi: 'congestion_reduction_pct', comparator: 'gte', threshold: '10', multiplierIfMissed: '0.5', whenMissing: 'block' },
    },
  ],
  outcomeTypes: { congestion_reduction_pct: { verification: 'customer' } },
};
const CITY = { currency: 'CNY', timezone: 'Asia/Shanghai', taxRate: '0.06', startsOn: '2026-01-01', billingCycle: 'monthly' };
const KPI_BASIS = { items: [{ outcomeType: 'congestion_reduction_pct', method: 'per_kpi_point', unitValue: '100000.00', description: 'commute time and fuel saved per point' }] };

let t: TestApp;
let vendor: KeyedClient;
beforeAll(async () => {
  t = await createTestApp();
  vendor = t.as((await t.createVendor('Quoting vendor')).adminKey);
});
afterAll(() => t.close());

describe('a quote for a prospective customer', () => {
  it('prices each period of a sample by the contract’s local dates, the latest KPI deciding the guarantee, with ROI by the basis', async () => {
    const before = await t.counts(RECORD_TABLES);
    const res = await vendor
      .post('/v1/simulations', {
        terms: TRAFFIC_TERMS,
        contract: CITY,
        from: '2026-01',
        to: '2026-03',
        valueBasis: KPI_BASIS,
        outcomes: [
          { type: 'congestion_reduction_pct', occurredAt: '2026-01-10T09:00:00+08:00', quantity: '12' },
          // 23:30 on 31 January in Shanghai: January's latest measurement (18 ≥ 10: guarantee met).
          { type: 'congestion_reduction_pct', occurredAt: '2026-01-31T23:30:00+08:00', quantity: '18' },
          // 16:10 UTC on 31 January is 00:10 on 1 February in Shanghai: February's, and 9.9 misses.
          { type: 'congestion_reduction_pct', occurredAt: '2026-01-31T16:10:00Z', quantity: '9.9' },
        ],
      })
      .expect(200);
    expect(await t.counts(RECORD_TABLES)).toEqual(before);
    expect(res.body).toMatchObject({ currency: 'CNY', sampleOutcomes: 3, valueBasisDeclared: true, termsSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const [jan, feb, mar] = res.body.periods;
    // 8.5 km² × 2,000,000 ÷ 12 = 1,416,666.67 a month; halved in February.
    expect(jan).toMatchObject({ period: '2026-01', outcomes: 2, quoted: { subtotal: '1416666.67', tax: '85000.00', total: '1501666.67' }, refusal: null });
    expect(feb).toMatchObject({ period: '2026-02', outcomes: 1, quoted: { subtotal: '708333.33', tax: '42500.00', total: '750833.33' } });
    // March has no measurement: the engine refuses, as billing would.
    expect(mar).toMatchObject({ period: '2026-03', outcomes: 0, quoted: null, lines: [], refusal: { code: expect.any(String), reason: expect.stringContaining('congestion_reduction_pct') } });
    // Value per month is the average KPI point × 100,000: January (12 + 18) ÷ 2 = 15 → 1,500,000.
    expect(jan.roi).toEqual({ value: '1500000.00', measuredValue: '0.00', estimatedValue: '1500000.00', fees: '1416666.67', roiPercent: '5.88' });
    expect(feb.roi).toEqual({ value: '990000.00', measuredValue: '0.00', estimatedValue: '990000.00', fees: '708333.33', roiPercent: '39.76' });
    expect(mar.roi).toMatchObject({ fees: null, roiPercent: null });
    expect(res.body.total).toEqual({ subtotal: '2125000.00', tax: '127500.00', total: '2252500.00' });
    // (2,490,000 − 2,125,000) ÷ 2,125,000 over the priced months.
    expect(res.body.roi).toEqual({ value: '2490000.00', measuredValue: '0.00', estimatedValue: '2490000.00', fees: '2125000.00', roiPercent: '17.18' });
    expect(res.body.valueBasis).toEqual(['congestion_reduction_pct: 100000 per point above a baseline of 0, per month, agreed estimate (commute time and fuel saved per point)']);
  });

  it('says "no value basis declared" when neither the quote nor the terms give one', async () => {
    const res = await vendor
      .post('/v1/simulations', {
        terms: { components: [{ type: 'usage', metric: 'query', unitPrice: '0.20', per: '1', verification: 'auto' }] },
        contract: { ...CITY, startsOn: '2026-03-01' },
        from: '2026-03',
        to: '2026-03',
        outcomes: [{ type: 'query', occurredAt: '2026-03-02T10:00:00+08:00', quantity: '1000' }],
      })
      .expect(200);
    expect(res.body.periods[0]).toMatchObject({ quoted: { subtotal: '200.00', tax: '12.00', total: '212.00' }, roi: { value: '0.00', fees: '200.00', roiPercent: null } });
    expect(res.body).toMatchObject({ valueBasisDeclared: false, valueBasis: ['no value basis declared'], roi: { roiPercent: null } });
  });

  it('prices the per-outcome charge options on the sample as billing does (a per-transaction clamp on a value share)', async () => {
    const res = await vendor
      .post('/v1/simulations', {
        terms: { components: [{ type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'customer', perTransactionMin: '5.00', perTransactionMax: '50.00' }] },
        contract: { ...CITY, startsOn: '2026-03-01' },
        from: '2026-03',
        to: '2026-03',
        outcomes: [
          { type: 'savings', occurredAt: '2026-03-02T10:00:00+08:00', value: '1000.00' }, // 100.00 → capped at 50.00
          { type: 'savings', occurredAt: '2026-03-03T10:00:00+08:00', value: '200.00' }, // 20.00
          { type: 'savings', occurredAt: '2026-03-04T10:00:00+08:00', value: '10.00' }, // 1.00 → raised to 5.00
        ],
      })
      .expect(200);
    expect(res.body.periods[0].quoted).toEqual({ subtotal: '75.00', tax: '4.50', total: '79.50' });
    // The terms imply a measured basis (the verified savings): (1,210 − 75) ÷ 75.
    expect(res.body.roi).toMatchObject({ value: '1210.00', measuredValue: '1210.00', fees: '75.00', roiPercent: '1513.33' });
  });

  it('refuses what does not fit with a 422 naming each field, and writes nothing', async () => {
    const before = await t.counts(RECORD_TABLES);
    const quote = (body: Record<string, unknown>) =>
      vendor.post('/v1/simulations', { terms: TRAFFIC_TERMS, contract: CITY, from: '2026-01', to: '2026-02', outcomes: [], ...body });
    // Terms refused exactly as contract creation refuses them.
    const badTerms = await quote({ terms: { components: [{ type: 'value_share', rate: '1.5', outcomeType: 'savings' }] } }).expect(422);
    expect(badTerms.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(badTerms.body.code).toBe('TERMS_INVALID');
    const sample = await quote({
      outcomes: [
        { type: 'fuel_saved', occurredAt: '2026-01-05T10:00:00+08:00', quantity: '1' },
        { type: 'congestion_reduction_pct', occurredAt: '2026-03-01T00:00:00+08:00', quantity: '12' },
      ],
    }).expect(422);
    expect(sample.body).toMatchObject({
      code: 'QUOTE_SAMPLE_INVALID',
      errors: [
        { field: 'outcomes[0].type', message: expect.stringContaining('fuel_saved is not an outcome type') },
        { field: 'outcomes[1].occurredAt', message: expect.stringContaining('outside the quoted periods') },
      ],
    });
    const basis = await quote({ valueBasis: { items: [{ outcomeType: 'fuel_saved', method: 'per_unit', unitValue: '1', description: 'x' }] } }).expect(422);
    expect(basis.body).toMatchObject({ code: 'VALUE_BASIS_OUTCOME_TYPE_UNDECLARED', errors: [{ field: 'valueBasis.items[0].outcomeType' }] });
    const noUnit = await quote({ valueBasis: { items: [{ outcomeType: 'congestion_reduction_pct', method: 'per_kpi_point', description: 'x' }] } }).expect(422);
    expect(noUnit.body).toMatchObject({ code: 'VALUE_BASIS_INVALID', errors: [{ field: 'valueBasis.items[0].unitValue' }] });
    const shape = await quote({ contract: { ...CITY, currency: 'yuan', extra: 1 }, outcomes: [{ type: 'x', occurredAt: 'yesterday', quantity: 2 }] }).expect(422);
    const fields = JSON.stringify(shape.body.errors);
    for (const f of ['contract.currency', 'contract.extra', 'outcomes.0.occurredAt', 'outcomes.0.quantity']) expect(fields).toContain(f.split('.').pop());
    expect((await quote({ from: '2026-02', to: '2026-01' }).expect(422)).body.code).toBe('PERIOD_INVALID');
    expect(await t.counts(RECORD_TABLES)).toEqual(before);
  });

  it('is the vendor admin’s: another role is refused', async () => {
    const customer = await vendor.post('/v1/customers', { name: 'Prospect' }).expect(201);
    const key = (await vendor.post('/v1/api-keys', { name: 'c', role: 'customer', customerId: customer.body.id }).expect(201)).body.secret;
    const res = await t.as(key).post('/v1/simulations', { terms: TRAFFIC_TERMS, contract: CITY, from: '2026-01', to: '2026-01', outcomes: [] }).expect(403);
    expect(res.body.code).toBe('ROLE_FORBIDDEN');
  });
});

describe('a quote on each seed’s own outcomes', () => {
  const scenarios = loadSeedScenarios();
  // Each seed's ROI over its invoiced periods (test/reports/value-basis.e2e-spec.ts shows the same from the invoices).
  const ROI: Record<string, string> = {
    inspection: '300.00', traffic: '7.01', radiology: '166.67', chatbot: '100.00', 'llm-api': '127.39', 'credit-risk': '566.67', seats: '50.00',
  };

  it.each(scenarios.map((s) => [s.id, s] as [string, SeedScenario]))('quotes %s to its expected invoices and its ROI', async (_id, s) => {
    const labels = Object.keys(s.expected).sort();
    const sample = outcomesOfScenario(s)
      .filter((o) => o.status === undefined || o.status === 'verified')
      .map((o) => ({ type: o.type, occurredAt: o.occurredAt, ...(o.quantity !== undefined ? { quantity: o.quantity } : {}), ...(o.value !== undefined ? { value: o.value } : {}), ...(o.dimensions ? { dimensions: o.dimensions } : {}) }));
    const res = await vendor
      .post('/v1/simulations', { terms: termsOfScenario(s), contract: s.contract, from: labels[0], to: labels[labels.length - 1], outcomes: sample, valueBasis: { items: s.valueBasis!.items } })
      .expect(200);
    for (const label of labels) {
      const e = s.expected[label];
      const period = res.body.periods.find((p: any) => p.period === label);
      if (String(e.finalize ?? '').startsWith('refused')) expect({ label, quoted: period.quoted }).toEqual({ label, quoted: null });
      else expect({ label, quoted: period.quoted }).toEqual({ label, quoted: { subtotal: e.subtotal, tax: e.tax, total: e.total } });
    }
    expect(res.body.roi.roiPercent).toBe(ROI[s.id]);
  });
});
