jest.setTimeout(300_000);

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Decimal from 'decimal.js';
import { createTestApp, TestApp } from '../support/test-app';
import { binary, scenarios, seedVendor, tempDir, unvaluedLicence, type SeededVendor } from './support';

const ARTIFACTS = join(__dirname, '..', 'artifacts');

// ROI that a vendor can send: each seed contract's value basis comes from its own facts, measured
// value and agreed estimates are shown apart, and a contract with no basis says so instead of −100%.
describe('value basis and honest ROI over the seven seed contracts', () => {
  let t: TestApp;
  let seeded: SeededVendor;
  const out = tempDir('ol-value-basis-');
  const contract = (id: string) => seeded.contracts.get(id)!;
  const roi = async (id: string, from = '2026-01', to = '2026-04') =>
    (await seeded.vendor.get(`/v1/contracts/${contract(id).contractId}/roi?from=${from}&to=${to}`).expect(200)).body;

  beforeAll(async () => {
    t = await createTestApp({ validateResponses: true }); // every answer held to /openapi.json
    seeded = await seedVendor(t);
  });
  afterAll(() => t.close());

  it('gives every seed an ROI from its own basis, never −100%', async () => {
    const expected: Record<string, { measured: string; estimated: string; fees: string; roi: string | null; kind: string | null }> = {
      inspection: { measured: '1000000.00', estimated: '0.00', fees: '250000.00', roi: '300.00', kind: 'measured' },
      // (18 + 9.9 + 10) points × 100,000 a point a month, against three months of the area fee.
      traffic: { measured: '0.00', estimated: '3790000.00', fees: '3541666.67', roi: '7.01', kind: 'estimated' },
      // 7,800 accepted reports × 40.00: the 2,200 rejected count nothing.
      radiology: { measured: '0.00', estimated: '312000.00', fees: '117000.00', roi: '166.67', kind: 'estimated' },
      // 1,234,567 answered queries × 0.40 of agent time, against 0.20 a query.
      chatbot: { measured: '0.00', estimated: '493826.80', fees: '246913.40', roi: '100.00', kind: 'estimated' },
      // 3,501,234,567 input tokens × 0.0000005 + 800,000,000 output tokens × 0.000003 = 4,150.6172835.
      'llm-api': { measured: '0.00', estimated: '4150.62', fees: '1825.33', roi: '127.39', kind: 'estimated' },
      'credit-risk': { measured: '2400000.00', estimated: '0.00', fees: '360000.00', roi: '566.67', kind: 'measured' },
      // 25 seats × 45.00 a month: 22/31 of March (798.387…) and all of April (1,125.00).
      seats: { measured: '0.00', estimated: '1923.39', fees: '1282.26', roi: '50.00', kind: 'estimated' },
    };
    expect(Object.keys(expected).sort()).toEqual(scenarios.map((s) => s.id).sort());
    for (const [id, e] of Object.entries(expected)) {
      const r = await roi(id);
      expect({ id, measured: r.measuredValue, estimated: r.estimatedValue, fees: r.fees, roi: r.roiPercent, kind: r.valueKind }).toEqual({
        id,
        measured: e.measured,
        estimated: e.estimated,
        fees: e.fees,
        roi: e.roi,
        kind: e.kind,
      });
      expect(r.roiPercent).not.toBe('-100.00');
      expect(r.value).toBe(new Decimal(r.measuredValue).plus(r.estimatedValue).toFixed(2));
      expect(r.valueBasisVersions).toEqual([expect.objectContaining({ source: 'declared', id: expect.any(String) })]);
      for (const m of r.months) expect(new Decimal(m.measuredValue).plus(m.estimatedValue).toFixed(2)).toBe(m.value);
    }
    const traffic = await roi('traffic');
    expect(traffic.months.map((m: any) => [m.month, m.estimatedValue])).toEqual([
      ['2026-01', '1800000.00'],
      ['2026-02', '990000.00'],
      ['2026-03', '1000000.00'],
      ['2026-04', '0.00'], // no verified measurement in April: no value claimed
    ]);
    expect(traffic.valueBasis).toEqual([
      'congestion_reduction_pct: 100000 per point above a baseline of 0, per month, agreed estimate (commute time and fuel saved per point of verified congestion reduction, per month)',
    ]);
    const seats = await roi('seats', '2026-03', '2026-04');
    expect(seats.months.map((m: any) => [m.month, m.estimatedValue, m.fees])).toEqual([
      ['2026-03', '798.39', '532.26'],
      ['2026-04', '1125.00', '750.00'],
    ]);
    expect(seats.valueBasis).toEqual(['seat: 45 per seat in service per month, agreed estimate (analyst hours a licensed seat saves per month)']);
    // May and June are not invoiced: the seats add no value there, so the ROI does not grow without fees.
    const longer = await roi('seats', '2026-01', '2026-06');
    expect(longer).toMatchObject({ estimatedValue: '1923.39', fees: '1282.26', roiPercent: '50.00' });
  });

  it('says "no value basis declared" for a contract without one, with no ROI rather than −100%', async () => {
    const { vendor, contract: c } = await unvaluedLicence(t);
    const r = (await vendor.get(`/v1/contracts/${c.contractId}/roi?from=2026-03&to=2026-04`).expect(200)).body;
    expect(r).toMatchObject({
      fees: '1282.26',
      value: '0.00',
      roiPercent: null,
      measuredRoiPercent: null,
      valueBasisDeclared: false,
      valueBasis: ['no value basis declared'],
      paybackMonth: null,
      valueKind: null,
    });
    const portfolio = (await vendor.get('/v1/reports/portfolio?from=2026-01&to=2026-06').expect(200)).body;
    expect(portfolio.contracts).toEqual([expect.objectContaining({ roiPercent: null, band: 'no value basis declared' })]);
    expect(portfolio.contractsWithoutValueBasis).toBe(1);
    expect(portfolio.byQuarter.map((q: any) => [q.quarter, q.contractsWithRoi, q.contractsWithFeesWithoutValueBasis, q.shareAboveThreshold])).toEqual([
      ['2026-Q1', 0, 1, null],
      ['2026-Q2', 0, 1, null],
    ]);
  });

  it('labels estimated value as such in the ROI PDF and keeps measured value apart', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const pdf = await seeded.vendor.get(`/v1/contracts/${contract('radiology').contractId}/roi.pdf?from=2026-03&to=2026-03`).buffer(true).parse(binary).expect(200);
    const file = join(out, 'roi-radiology.pdf');
    writeFileSync(file, pdf.body);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toMatch(/Measured value \(verified outcomes’ own value\)\s+0\.00/);
    expect(text).toMatch(/Estimated value \(agreed estimates, see below\)\s+312,000\.00/);
    expect(text).toMatch(/Value delivered \(estimated\)\s+312,000\.00/);
    expect(text).toMatch(/ROI \(\(value - fees\) ÷ fees\), including estimates\s+166\.67%/);
    expect(text).toContain('report: 40 per verified unit, agreed estimate (radiologist reading time saved per accepted report');
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, join(ARTIFACTS, 'roi-radiology-estimated')]);

    const unvalued = await unvaluedLicence(t);
    const none = await unvalued.vendor.get(`/v1/contracts/${unvalued.contract.contractId}/roi.pdf?from=2026-03&to=2026-04`).buffer(true).parse(binary).expect(200);
    writeFileSync(join(out, 'roi-seats.pdf'), none.body);
    const noneText = execFileSync('pdftotext', ['-layout', join(out, 'roi-seats.pdf'), '-'], { encoding: 'utf8' });
    expect(noneText).toMatch(/Value delivered\s+no value basis declared/);
    expect(noneText).toMatch(/ROI \(\(value - fees\) ÷ fees\)\s+n\/a: no value basis/);
    expect(noneText).toContain('No value basis declared');
    expect(noneText).not.toMatch(/-100\.00%|-532\.26/); // neither −100% nor a "net benefit" of minus the fees
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', join(out, 'roi-seats.pdf'), join(ARTIFACTS, 'roi-seats-no-basis')]);
  });

  it('gives the portfolio’s share of contracts above 15% ROI by quarter, over the seeds with a basis', async () => {
    const res = await seeded.vendor.get('/v1/reports/portfolio?from=2026-01&to=2026-06').expect(200);
    expect(res.body.byQuarter).toEqual([
      // Q1: all seven seeds declare a basis; traffic's 7.01% is the one not above 15% (inspection 300%,
      // radiology 166.67%, chatbot 100%, llm-api March 127.39%, credit-risk 566.67%, seats March 50%).
      { quarter: '2026-Q1', from: '2026-01', to: '2026-03', contractsWithRoi: 7, contractsAboveThreshold: 6, contractsWithFeesWithoutValueBasis: 0, shareAboveThreshold: '0.8571' },
      // Q2: only llm-api (April 0.6172835 of value for 0.33) and seats (1,125.00 for 750.00) were invoiced.
      { quarter: '2026-Q2', from: '2026-04', to: '2026-06', contractsWithRoi: 2, contractsAboveThreshold: 2, contractsWithFeesWithoutValueBasis: 0, shareAboveThreshold: '1' },
    ]);
    const higher = await seeded.vendor.get('/v1/reports/portfolio?from=2026-01&to=2026-03&threshold=200').expect(200);
    // Above 200%: inspection and credit-risk only.
    expect(higher.body.byQuarter[0]).toMatchObject({ contractsWithRoi: 7, contractsAboveThreshold: 2, shareAboveThreshold: '0.2857' });
    const traffic = res.body.contracts.find((c: any) => c.contractId === contract('traffic').contractId);
    expect(traffic).toMatchObject({ measuredValue: '0.00', estimatedValue: '3790000.00', valueKind: 'estimated', roiPercent: '7.01', band: '0% to 15%' });
  });

  it('refuses a basis naming an outcome type the terms do not declare with a 422 naming it, and writes nothing', async () => {
    const c = contract('inspection');
    const before = (await seeded.vendor.get(`/v1/contracts/${c.contractId}/value-basis`).expect(200)).body;
    const res = await seeded.vendor
      .post(`/v1/contracts/${c.contractId}/value-basis`, {
        effectiveFrom: '2026-04-01',
        items: [
          { outcomeType: 'savings', method: 'measured', description: 'verified savings' },
          { outcomeType: 'rework_hours', method: 'per_unit', unitValue: '120.00', description: 'hours of rework saved' },
        ],
      })
      .expect(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'VALUE_BASIS_OUTCOME_TYPE_UNDECLARED', errors: [{ field: 'items[1].outcomeType', message: expect.stringContaining('rework_hours') }] });
    const missing = await seeded.vendor
      .post(`/v1/contracts/${c.contractId}/value-basis`, { effectiveFrom: '2026-04-01', items: [{ outcomeType: 'savings', method: 'per_unit', description: 'x' }] })
      .expect(422);
    expect(missing.body).toMatchObject({ code: 'VALUE_BASIS_INVALID', errors: [{ field: 'items[0].unitValue' }] });
    const badMethod = await seeded.vendor
      .post(`/v1/contracts/${c.contractId}/value-basis`, { effectiveFrom: '2026-04-01', items: [{ outcomeType: 'savings', method: 'guess', description: 'x' }] })
      .expect(422);
    expect(JSON.stringify(badMethod.body.errors)).toContain('method');
    const midMonth = await seeded.vendor
      .post(`/v1/contracts/${c.contractId}/value-basis`, { effectiveFrom: '2026-04-15', items: [{ outcomeType: 'savings', method: 'measured', description: 'x' }] })
      .expect(422);
    expect(midMonth.body.errors).toEqual([expect.objectContaining({ field: 'effectiveFrom' })]);
    const taken = await seeded.vendor
      .post(`/v1/contracts/${c.contractId}/value-basis`, { effectiveFrom: '2026-03-01', items: [{ outcomeType: 'savings', method: 'measured', description: 'x' }] })
      .expect(409);
    expect(taken.body.code).toBe('VALUE_BASIS_VERSION_EXISTS');
    expect((await seeded.vendor.get(`/v1/contracts/${c.contractId}/value-basis`).expect(200)).body).toEqual(before);
    await c.customer.post(`/v1/contracts/${c.contractId}/value-basis`, { effectiveFrom: '2026-04-01', items: [{ outcomeType: 'savings', method: 'measured', description: 'x' }] }).expect(403);
    const other = t.as((await t.createVendor('Other vendor')).adminKey);
    await other.get(`/v1/contracts/${c.contractId}/value-basis`).expect(404);
  });

  it('counts a new version from its month on and keeps the earlier one for the months before (append-only)', async () => {
    const c = contract('chatbot');
    // The chatbot's facts state no value; from April the customer agrees one: a deflected support contact per 50 queries.
    const added = await seeded.vendor
      .post(`/v1/contracts/${c.contractId}/value-basis`, {
        effectiveFrom: '2026-04-01',
        description: 'agreed after the March review',
        items: [{ outcomeType: 'query', method: 'per_unit', unitValue: '0.16', description: 'a support contact (8.00) deflected per 50 queries' }],
      })
      .set('Idempotency-Key', 'chatbot-basis-2026-04')
      .expect(201);
    expect(added.body).toMatchObject({ effectiveFrom: '2026-04-01', items: [{ outcomeType: 'query', method: 'per_unit', unitValue: '0.16', baseline: null, estimated: true }] });
    const replay = await seeded.vendor
      .post(`/v1/contracts/${c.contractId}/value-basis`, {
        effectiveFrom: '2026-04-01',
        description: 'agreed after the March review',
        items: [{ outcomeType: 'query', method: 'per_unit', unitValue: '0.16', description: 'a support contact (8.00) deflected per 50 queries' }],
      })
      .set('Idempotency-Key', 'chatbot-basis-2026-04')
      .expect(201);
    expect(replay.body.id).toBe(added.body.id);
    await seeded.vendor
      .post(`/v1/outcomes/batch`, { outcomes: [{ contractId: c.contractId, externalId: 'q-2026-04-01', type: 'query', quantity: '1000', occurredAt: '2026-04-01T10:00:00+08:00' }] })
      .expect((r) => expect([200, 201]).toContain(r.status));
    const r = await roi('chatbot', '2026-03', '2026-04');
    expect(r.months.map((m: any) => [m.month, m.estimatedValue])).toEqual([
      ['2026-03', '493826.80'], // March keeps the version in force then (0.40 a query): not revalued after the fact
      ['2026-04', '160.00'],
    ]);
    expect(r).toMatchObject({ valueBasisDeclared: true, valueKind: 'estimated' });
    const list = (await c.customer.get(`/v1/contracts/${c.contractId}/value-basis`).expect(200)).body;
    expect(list.map((v: any) => [v.effectiveFrom, v.items[0].unitValue])).toEqual([
      ['2026-03-01', '0.40'],
      ['2026-04-01', '0.16'],
    ]);
  });
});
