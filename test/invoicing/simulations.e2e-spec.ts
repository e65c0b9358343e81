import { seedVendor, type SeededVendor } from '../reports/support';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * What-if simulation (#15 item 5) on the seed's inspection contract (¥50,000 × 3 lines a month +
 * 10% of verified savings; March: ¥1,000,000.00 verified savings, invoiced 265,000.00).
 */
const PROPOSED = {
  components: [
    { type: 'flat_fee', amount: '20000.00', per: 'month', quantity: '3', unit: 'production line' },
    { type: 'value_share', rate: '0.20', outcomeType: 'savings', verification: 'customer' },
  ],
};
/** "0.00" for "265000.00": zero in the same decimals. */
const zeroLike = (amount: string) => amount.replace(/\d+/g, (d, i) => (i === 0 ? '0' : '0'.repeat(d.length)));
const RECORD_TABLES = ['invoices', 'invoice_outcomes', 'journal_entries', 'journal_lines', 'outcomes', 'outcome_events', 'terms_versions', 'contracts'];

// One app (one database) for the file; each describe seeds its own vendor.
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ validateResponses: true }); // every answer held to /openapi.json
});
afterAll(() => t.close());

describe('what-if simulation', () => {
  let v: SeededVendor;
  let contractId: string;

  beforeAll(async () => {
    v = await seedVendor(t, ['inspection']);
    contractId = v.contracts.get('inspection')!.contractId;
  });

  it('prices the recorded outcomes under proposed terms beside the invoice, per period and line, writing nothing', async () => {
    const before = await t.counts(RECORD_TABLES);
    const res = await v.vendor.post(`/v1/contracts/${contractId}/simulations`, { terms: PROPOSED, from: '2026-03', to: '2026-04' }).expect(200);
    expect(await t.counts(RECORD_TABLES)).toEqual(before);
    const invoice = v.invoices.get('inspection:2026-03');
    expect(res.body).toMatchObject({ contractId, currency: 'CNY', termsSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const [march, april] = res.body.periods;
    expect(march).toEqual({
      period: '2026-03', start: '2026-03-01', end: '2026-04-01',
      actual: { invoiceId: invoice.id, number: invoice.number, status: 'finalized', subtotal: '250000.00', tax: '15000.00', total: '265000.00' },
      simulated: { subtotal: '260000.00', tax: '15600.00', total: '275600.00' },
      refusal: null,
      difference: '10600.00',
      lines: [
        { key: 'flat_fee', description: expect.any(String), actual: '150000.00', simulated: '60000.00', difference: '-90000.00' },
        { key: 'value_share', description: expect.any(String), actual: '100000.00', simulated: '200000.00', difference: '100000.00' },
      ],
      // The same ¥1,000,000.00 of verified savings against each subtotal: (1,000,000 − 260,000) ÷ 260,000.
      roi: {
        value: '1000000.00', measuredValue: '1000000.00', estimatedValue: '0.00',
        actualFees: '250000.00', simulatedFees: '260000.00',
        actualRoiPercent: '300.00', simulatedRoiPercent: '284.62', roiPercentPointsDifference: '-15.38',
      },
    });
    // April has no invoice: the simulation stands alone (the flat part only; no savings recorded).
    expect(april).toMatchObject({
      period: '2026-04', actual: null, difference: null,
      simulated: { subtotal: '60000.00', tax: '3600.00', total: '63600.00' },
    });
    expect(april.lines.map((l: any) => [l.key, l.actual, l.simulated, l.difference])).toEqual([
      ['flat_fee', null, '60000.00', null],
      ['value_share', null, '0.00', null],
    ]);
    expect(res.body.comparedActual).toEqual({ subtotal: '250000.00', tax: '15000.00', total: '265000.00' });
    expect(res.body.comparedSimulated).toEqual({ subtotal: '260000.00', tax: '15600.00', total: '275600.00' });
    expect(res.body.difference).toBe('10600.00');
    // April delivered no verified savings: ROI −100% under the proposed flat part, none without an invoice.
    expect(april.roi).toEqual({
      value: '0.00', measuredValue: '0.00', estimatedValue: '0.00', actualFees: null, simulatedFees: '60000.00',
      actualRoiPercent: null, simulatedRoiPercent: '-100.00', roiPercentPointsDifference: null,
    });
    expect(res.body.comparedRoi).toMatchObject({ value: '1000000.00', actualRoiPercent: '300.00', simulatedRoiPercent: '284.62' });
    expect(res.body).toMatchObject({ valueBasisDeclared: true, valueBasis: [expect.stringMatching(/^savings: verified value, measured/)] });
    // The ROI report over March says the same for what was invoiced.
    const report = await v.vendor.get(`/v1/contracts/${contractId}/roi?from=2026-03&to=2026-03`).expect(200);
    expect(report.body).toMatchObject({ value: march.roi.value, fees: march.roi.actualFees, roiPercent: march.roi.actualRoiPercent });
  });

  it('answers the invoiced figures exactly when the proposed terms are the current ones', async () => {
    const current = (await v.vendor.get(`/v1/contracts/${contractId}`).expect(200)).body.currentTerms.terms;
    const res = await v.vendor.post(`/v1/contracts/${contractId}/simulations`, { terms: current, from: '2026-03', to: '2026-03' }).expect(200);
    const invoice = v.invoices.get('inspection:2026-03');
    const [march] = res.body.periods;
    expect(march.simulated).toEqual({ subtotal: invoice.subtotal, tax: invoice.tax, total: invoice.total });
    expect(march.difference).toBe('0.00');
    expect(march.lines.map((l: any) => [l.key, l.actual, l.simulated, l.difference])).toEqual(
      invoice.lines.map((l: any) => [l.key, l.amount, l.amount, '0.00']),
    );
    expect(res.body.difference).toBe('0.00');
  });

  it('refuses bad terms exactly as contract creation does, writing nothing', async () => {
    const bad = { components: [{ type: 'value_share', rate: '1.5', outcomeType: 'savings' }, { type: 'flat_fee', amount: '-1', per: 'fortnight' }] };
    const before = await t.counts(RECORD_TABLES);
    const sim = await v.vendor.post(`/v1/contracts/${contractId}/simulations`, { terms: bad, from: '2026-03', to: '2026-03' }).expect(422);
    const customerId = v.contracts.get('inspection')!.customerId;
    const create = await v.vendor
      .post('/v1/contracts', { customerId, name: 'x', currency: 'CNY', taxRate: '0.06', startsOn: '2026-03-01', terms: bad })
      .expect(422);
    expect(sim.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(sim.body.code).toBe('TERMS_INVALID');
    expect(sim.body.errors.length).toBeGreaterThanOrEqual(3);
    expect(sim.body.errors).toEqual(create.body.errors);
    expect(sim.body.detail).toEqual(create.body.detail);
    expect(await t.counts(RECORD_TABLES)).toEqual(before);
  });

  it('refuses a range that is not of the contract’s cycle, backwards or too long', async () => {
    const post = (body: Record<string, unknown>) => v.vendor.post(`/v1/contracts/${contractId}/simulations`, { terms: PROPOSED, ...body });
    expect((await post({ from: '2026', to: '2026' }).expect(422)).body.code).toBe('PERIOD_INVALID');
    expect((await post({ from: '2026-05', to: '2026-03' }).expect(422)).body.errors).toEqual([{ field: 'to', message: 'must not be before from' }]);
    expect((await post({ from: '2026-01', to: '2029-12' }).expect(422)).body.code).toBe('PERIOD_INVALID');
    expect((await post({ from: 'March', to: '2026-03' }).expect(422)).body.code).toBe('VALIDATION_FAILED');
  });

  it('lets only the vendor’s admin simulate its own contracts', async () => {
    const other = t.as((await t.createVendor()).adminKey);
    await other.post(`/v1/contracts/${contractId}/simulations`, { terms: PROPOSED, from: '2026-03', to: '2026-03' }).expect(404);
    const customerKey = (await v.vendor.post('/v1/api-keys', { name: 'c', role: 'customer', customerId: v.contracts.get('inspection')!.customerId }).expect(201)).body.secret;
    const res = await t.as(customerKey).post(`/v1/contracts/${contractId}/simulations`, { terms: PROPOSED, from: '2026-03', to: '2026-03' }).expect(403);
    expect(res.body.code).toBe('ROLE_FORBIDDEN');
  });
});

describe('the simulation identity on every seed contract', () => {
  let v: SeededVendor;

  beforeAll(async () => {
    v = await seedVendor(t);
  });

  it('prices the current terms to every invoiced figure, line by line, for each seed contract and period', async () => {
    let compared = 0;
    for (const [id, c] of v.contracts) {
      const contract = (await v.vendor.get(`/v1/contracts/${c.contractId}`).expect(200)).body;
      const labels = [...v.invoices.keys()].filter((k) => k.startsWith(`${id}:`)).map((k) => k.slice(id.length + 1)).sort();
      if (labels.length === 0) continue;
      const res = await v.vendor
        .post(`/v1/contracts/${c.contractId}/simulations`, { terms: contract.currentTerms.terms, from: labels[0], to: labels[labels.length - 1] })
        .expect(200);
      for (const label of labels) {
        const invoice = v.invoices.get(`${id}:${label}`);
        const period = res.body.periods.find((p: any) => p.period === label);
        expect({ id, label, simulated: period.simulated, difference: period.difference }).toEqual({
          id, label, simulated: { subtotal: invoice.subtotal, tax: invoice.tax, total: invoice.total }, difference: zeroLike(invoice.total),
        });
        expect(period.lines.every((l: any) => l.actual === l.simulated)).toBe(true);
        expect(period.roi.simulatedRoiPercent).toBe(period.roi.actualRoiPercent);
        compared++;
      }
      // ROI under the current terms is the ROI report's, for every seed (each declares a value basis).
      const report = (await v.vendor.get(`/v1/contracts/${c.contractId}/roi?from=${labels[0]}&to=${labels[labels.length - 1]}`).expect(200)).body;
      expect({ id, value: res.body.comparedRoi.value, fees: res.body.comparedRoi.simulatedFees, roi: res.body.comparedRoi.simulatedRoiPercent }).toEqual({
        id, value: report.value, fees: report.fees, roi: report.roiPercent,
      });
      expect(report.roiPercent).not.toBeNull();
    }
    expect(compared).toBeGreaterThanOrEqual(7);
  });
});
