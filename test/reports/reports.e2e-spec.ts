import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordOutcomes } from '../invoicing/helpers';
import { issueKey } from '../support/fixtures';
import { createTestApp, TestApp } from '../support/test-app';
import { binary, seedVendor, tempDir, type SeededVendor } from './support';

describe('statements, ROI reports and the portfolio', () => {
  let t: TestApp;
  let seeded: SeededVendor;
  const out = process.env.OL_REPORTS_OUT ?? tempDir('ol-reports-');

  beforeAll(async () => {
    t = await createTestApp({ validateResponses: true }); // every answer held to /openapi.json
    seeded = await seedVendor(t);
  });
  afterAll(() => t.close());

  const contract = (id: string) => seeded.contracts.get(id)!;

  it('states the inspection contract’s March: savings 1,000,000.00, fees 250,000.00, net benefit 750,000.00, ROI 300.00%', async () => {
    const c = contract('inspection');
    const res = await c.customer.get(`/v1/contracts/${c.contractId}/statements/2026-03`).expect(200);
    expect(res.body).toMatchObject({
      currency: 'CNY',
      period: '2026-03',
      valueOutcomeTypes: ['savings'],
      shareRate: '0.1',
      verifiedValue: '1000000.00',
      invoiceStatus: 'finalized',
      fees: { flat: '150000.00', share: '100000.00', other: '0.00', credited: '0.00', net: '250000.00' },
      tax: '15000.00',
      netBenefit: '750000.00',
      roiPercent: '300.00',
      yearToDate: { from: '2026-03', to: '2026-03', verifiedValue: '1000000.00', fees: '250000.00', netBenefit: '750000.00', roiPercent: '300.00' },
      verifiedOutcomeCount: 3,
      awaitingVerification: { count: 1, value: '20000.00' },
      inDispute: { count: 0, value: '0.00' },
    });
    expect(res.body.verifiedOutcomes.map((o: any) => o.externalId).sort()).toEqual(['sav-2026-03-L1', 'sav-2026-03-L2', 'sav-2026-03-L3']);
    for (const o of res.body.verifiedOutcomes) expect(o).toMatchObject({ status: 'verified', verifiedBy: 'customer' });
    expect(res.body.pendingOutcomes.map((o: any) => o.externalId)).toEqual(['sav-2026-03-L1b']);
  });

  it('serves the statement as CSV and as a PDF', async () => {
    const c = contract('inspection');
    const csv = await seeded.vendor.get(`/v1/contracts/${c.contractId}/statements/2026-03.csv`).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text).toContain('summary,net_benefit,750000.00');
    expect(csv.text).toContain('summary,roi_percent,300.00');
    const pdf = await seeded.vendor.get(`/v1/contracts/${c.contractId}/statements/2026-03.pdf`).buffer(true).parse(binary).expect(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.body.subarray(0, 5).toString()).toBe('%PDF-');
    writeFileSync(join(out, 'statement-inspection-2026-03.pdf'), pdf.body);
  });

  it('prints a Chinese customer name in the statement and ROI PDFs (an embedded CJK font, not ???), names the vendor and labels zones', async () => {
    const c = contract('inspection');
    await seeded.vendor.patch(`/v1/customers/${c.customerId}`, { name: '深圳精密零件有限公司' }).expect(200);
    for (const [name, path] of [
      ['statement-zh.pdf', `/v1/contracts/${c.contractId}/statements/2026-03.pdf`],
      ['roi-zh.pdf', `/v1/contracts/${c.contractId}/roi.pdf?from=2026-02&to=2026-04`],
    ]) {
      const pdf = await seeded.vendor.get(path).buffer(true).parse(binary).expect(200);
      writeFileSync(join(out, name), pdf.body);
      const text = execFileSync('pdftotext', [join(out, name), '-'], { encoding: 'utf8' });
      expect(text).toContain('深圳精密零件有限公司');
      expect(text).not.toContain('???');
    }
    const statement = await seeded.vendor.get(`/v1/contracts/${c.contractId}/statements/2026-03`).expect(200);
    expect(statement.body).toMatchObject({ vendorName: expect.any(String), timezone: 'Asia/Shanghai' });
    expect(statement.body.vendorName.length).toBeGreaterThan(0);
    const text = execFileSync('pdftotext', [join(out, 'statement-zh.pdf'), '-'], { encoding: 'utf8' });
    expect(text).toContain(`Vendor: ${statement.body.vendorName}`);
    expect(text).toContain('Asia/Shanghai');
    expect(text).toContain('Times are local to Asia/Shanghai (UTC+08:00)');
  });

  it('refuses a period that is not a month of the contract, naming the field', async () => {
    const c = contract('inspection');
    const bad = await seeded.vendor.get(`/v1/contracts/${c.contractId}/statements/2026-13`).expect(422);
    expect(bad.body).toMatchObject({ code: 'PERIOD_INVALID', errors: [{ field: 'period' }] });
    const before = await seeded.vendor.get(`/v1/contracts/${c.contractId}/statements/2025-12`).expect(422);
    expect(before.body.code).toBe('PERIOD_OUTSIDE_CONTRACT');
  });

  it('reports the radiology copilot’s acceptance as 78% (7,800 accepted of 10,000 judged)', async () => {
    const c = contract('radiology');
    const res = await c.customer.get(`/v1/contracts/${c.contractId}/roi?from=2026-03&to=2026-03`).expect(200);
    expect(res.body.acceptance).toEqual([{ outcomeType: 'report', verified: 7800, confirmed: 7800, deemed: 0, rejected: 2200, rate: '0.78' }]);
    // The seed declares what an accepted report is worth as an agreed estimate: ROI says so.
    expect(res.body).toMatchObject({ fees: '117000.00', value: '312000.00', measuredValue: '0.00', estimatedValue: '312000.00', valueKind: 'estimated', roiPercent: '166.67' });
    // The chatbot's basis values a query at 0.40 of agent time: twice its price.
    const chatbot = contract('chatbot');
    const q = await chatbot.customer.get(`/v1/contracts/${chatbot.contractId}/roi?from=2026-03&to=2026-03`).expect(200);
    expect(q.body).toMatchObject({ fees: '246913.40', value: '493826.80', roiPercent: '100.00', valueBasisDeclared: true, valueKind: 'estimated' });
    expect(q.body.valueBasis).toEqual(['query: 0.4 per verified unit, agreed estimate (agent handling time saved per answered query)']);
  });

  it('counts a valuePerUnit in the terms as an agreed estimate when no value basis is declared', async () => {
    const customer = await seeded.vendor.post('/v1/customers', { name: 'Per-unit hospital' }).expect(201);
    const terms = {
      components: [{ type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer' }],
      outcomeTypes: { report: { verification: 'customer', valuePerUnit: '40.00' } },
    };
    const created = await seeded.vendor
      .post('/v1/contracts', { customerId: customer.body.id, name: 'Reports valued in the terms', currency: 'CNY', taxRate: '0', startsOn: '2026-04-01', status: 'active', terms })
      .expect(201);
    const c = { contractId: created.body.id, customerId: customer.body.id, customer: t.as(await issueKey(seeded.vendor, { role: 'customer', customerId: customer.body.id })) };
    await recordOutcomes(seeded.vendor, c, [
      { externalId: 'rep-apr-1', type: 'report', quantity: '1', occurredAt: '2026-04-02T09:00:00+08:00', status: 'verified' },
      { externalId: 'rep-apr-2', type: 'report', quantity: '1', occurredAt: '2026-04-02T09:05:00+08:00', status: 'verified' },
      { externalId: 'rep-apr-3', type: 'report', quantity: '1', occurredAt: '2026-04-02T09:10:00+08:00', status: 'rejected' },
    ]);
    const res = await seeded.vendor.get(`/v1/contracts/${c.contractId}/roi?from=2026-04&to=2026-05`).expect(200);
    expect(res.body.months.map((m: any) => [m.month, m.estimatedValue, m.measuredValue])).toEqual([
      ['2026-04', '80.00', '0.00'],
      ['2026-05', '0.00', '0.00'],
    ]);
    expect(res.body).toMatchObject({ valueKind: 'estimated', valueBasisVersions: [expect.objectContaining({ source: 'terms', id: null, effectiveFrom: '2026-04-01' })] });
    expect(res.body.valueBasis).toEqual(['report: 40 per verified unit, agreed estimate (valuePerUnit in the terms)']);
  });

  it('computes the inspection ROI with a monthly series, payback month, and renders the chart in a PDF', async () => {
    const c = contract('inspection');
    const res = await seeded.vendor.get(`/v1/contracts/${c.contractId}/roi?from=2026-02&to=2026-04`).expect(200);
    expect(res.body).toMatchObject({ value: '1000000.00', fees: '250000.00', net: '750000.00', roiPercent: '300.00', paybackMonth: '2026-03' });
    expect(res.body.months).toEqual([
      { month: '2026-02', value: '0.00', measuredValue: '0.00', estimatedValue: '0.00', fees: '0.00', net: '0.00', cumulativeValue: '0.00', cumulativeFees: '0.00' },
      {
        month: '2026-03',
        value: '1000000.00',
        measuredValue: '1000000.00',
        estimatedValue: '0.00',
        fees: '250000.00',
        net: '750000.00',
        cumulativeValue: '1000000.00',
        cumulativeFees: '250000.00',
      },
      { month: '2026-04', value: '0.00', measuredValue: '0.00', estimatedValue: '0.00', fees: '0.00', net: '0.00', cumulativeValue: '1000000.00', cumulativeFees: '250000.00' },
    ]);
    const csv = await seeded.vendor.get(`/v1/contracts/${c.contractId}/roi.csv?from=2026-02&to=2026-04`).expect(200);
    expect(csv.text.split('\n')[2]).toBe('2026-03,1000000.00,250000.00,750000.00,1000000.00,250000.00,1000000.00,0.00');
    const pdf = await seeded.vendor.get(`/v1/contracts/${c.contractId}/roi.pdf?from=2026-02&to=2026-04`).buffer(true).parse(binary).expect(200);
    expect(pdf.body.subarray(0, 5).toString()).toBe('%PDF-');
    writeFileSync(join(out, 'roi-inspection.pdf'), pdf.body);
  });

  it('counts the traffic guarantee as one hit, one miss and one hit over January to March', async () => {
    const c = contract('traffic');
    const res = await seeded.vendor.get(`/v1/contracts/${c.contractId}/roi?from=2026-01&to=2026-03`).expect(200);
    expect(res.body).toMatchObject({ guaranteeHits: 2, guaranteeMisses: 1, fees: '3541666.67' });
    expect(res.body.guarantees.map((g: any) => [g.period, g.result, g.measured])).toEqual([
      ['2026-01', 'met', '18'],
      ['2026-02', 'missed', '9.9'],
      ['2026-03', 'met', '10'],
    ]);
    const pdf = await seeded.vendor.get(`/v1/contracts/${c.contractId}/roi.pdf?from=2026-01&to=2026-03`).buffer(true).parse(binary).expect(200);
    writeFileSync(join(out, 'roi-traffic.pdf'), pdf.body);
  });

  it('gives a customer ROI per currency for its own customer only', async () => {
    const c = contract('credit-risk');
    const res = await c.customer.get(`/v1/customers/${c.customerId}/roi?from=2026-03&to=2026-03`).expect(200);
    expect(res.body.reports).toHaveLength(1);
    expect(res.body.reports[0]).toMatchObject({ currency: 'CNY', value: '2400000.00', fees: '360000.00', roiPercent: '566.67' });
  });

  it('answers 404 when a customer asks for another customer’s statement or ROI', async () => {
    const mine = contract('inspection');
    const theirs = contract('credit-risk');
    await mine.customer.get(`/v1/contracts/${theirs.contractId}/statements/2026-03`).expect(404);
    await mine.customer.get(`/v1/contracts/${theirs.contractId}/statements/2026-03.pdf`).expect(404);
    await mine.customer.get(`/v1/contracts/${theirs.contractId}/roi`).expect(404);
    await mine.customer.get(`/v1/customers/${theirs.customerId}/roi`).expect(404);
    await mine.customer.get(`/v1/reports/portfolio`).expect(403);
    const other = t.as((await t.createVendor('Another vendor')).adminKey);
    await other.get(`/v1/contracts/${mine.contractId}/statements/2026-03`).expect(404);
    await other.get(`/v1/contracts/${mine.contractId}/evidence`).expect(404);
  });

  it('summarises the portfolio: revenue by scheme, contracts by ROI band, share above 15%, acceptance by type', async () => {
    const res = await seeded.vendor.get('/v1/reports/portfolio?from=2026-01&to=2026-03').expect(200);
    expect(res.body.thresholdPercent).toBe('15');
    const rev = (currency: string, scheme: string) => res.body.revenueByScheme.find((r: any) => r.currency === currency && r.scheme === scheme)?.revenue;
    expect(rev('CNY', 'value_share')).toBe('460000.00');
    expect(rev('CNY', 'flat_fee')).toBe('150000.00');
    expect(rev('USD', 'usage')).toBe('1825.00');
    expect(rev('USD', 'flat_fee')).toBe('532.26');
    // Every seed declares a value basis; the one contract without a basis in Q1 is the valuePerUnit
    // contract above, which starts in April: no ROI (not −100%), out of the share.
    const noBasis = res.body.contracts.filter((c: any) => !c.valueBasisDeclared);
    expect(noBasis).toEqual([expect.objectContaining({ roiPercent: null, band: 'no value basis declared' })]);
    expect(res.body.contractsWithoutValueBasis).toBe(1);
    expect(res.body.contractsWithFees).toBe(7);
    // inspection 300%, radiology 166.67%, chatbot 100%, llm-api 127.39%, credit-risk 566.67%; seats 50%; traffic 7.01% is below.
    expect(res.body.contractsAboveThreshold).toBe(6);
    expect(res.body.contractsByRoiBand).toContainEqual({ band: '100% and above', contracts: 5 });
    expect(res.body.contractsByRoiBand).toContainEqual({ band: 'above 15% to 100%', contracts: 1 });
    expect(res.body.contractsByRoiBand).toContainEqual({ band: '0% to 15%', contracts: 1 });
    expect(res.body.acceptanceByOutcomeType).toContainEqual({ outcomeType: 'report', verified: 7800, confirmed: 7800, deemed: 0, rejected: 2200, rate: '0.78' });
  });

  it('lets an auditor read reports and export bundles but write nothing, and logs its exports', async () => {
    const c = contract('inspection');
    const auditor = t.as(await issueKey(seeded.vendor, { role: 'auditor', contractIds: [c.contractId] }));
    await auditor.get(`/v1/contracts/${c.contractId}/statements/2026-03`).expect(200);
    await auditor.get(`/v1/contracts/${c.contractId}/evidence`).buffer(true).parse(binary).expect(200);
    await auditor.get(`/v1/contracts/${contract('radiology').contractId}/roi`).expect(404);
    const writes = [
      auditor.post('/v1/outcomes/batch', { outcomes: [] }),
      auditor.post(`/v1/invoices/${seeded.invoices.get('inspection:2026-03').id}/finalize`),
      auditor.post('/v1/api-keys', { name: 'x', role: 'auditor' }),
      auditor.post(`/v1/contracts/${c.contractId}/terms`, { effectiveFrom: '2026-05-01', terms: { components: [] } }),
    ];
    for (const w of writes) expect((await w.expect(403)).body.code).toBe('AUDITOR_READ_ONLY');
    const log = await auditor.get('/v1/audit/exports').expect(200);
    const kinds = log.body.data.map((x: any) => [x.kind, x.role, x.format]);
    expect(kinds).toContainEqual(['evidence_bundle', 'auditor', 'zip']);
    expect(kinds).toContainEqual(['statement', 'auditor', 'json']);
    const bundle = log.body.data.find((x: any) => x.kind === 'evidence_bundle');
    expect(bundle).toMatchObject({ contractId: c.contractId, manifestSha256: expect.stringMatching(/^[0-9a-f]{64}$/), completedAt: expect.any(String) });
    // An auditor limited to one contract sees only that contract's exports; the vendor admin sees them all.
    expect(log.body.data.every((x: any) => x.contractId === c.contractId)).toBe(true);
    const all = await seeded.vendor.get('/v1/audit/exports?limit=500').expect(200);
    expect(all.body.data.length).toBeGreaterThan(log.body.data.length);
    await contract('inspection').customer.get('/v1/audit/exports').expect(403);
  });
});
