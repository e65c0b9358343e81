jest.setTimeout(300_000);

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { verifyBundle } from '../../src/audit/verify-bundle';
import { binary, saveTo, tempDir } from '../reports/support';
import { issueKey } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { bill } from './helpers';

// Issue #15 item 3: an amendment signed on 15 March splits March. The flat fee is prorated by days
// under each version, each report is priced by the version in force on its local date (New York),
// the trace names both versions, and the invoice is re-verified online and from an evidence bundle.
const ARTIFACTS = join(__dirname, '..', 'artifacts');
const terms = (fee: string, perReport: string) => ({
  components: [
    { type: 'flat_fee', amount: fee, per: 'month' },
    { type: 'per_outcome', outcomeType: 'report', unitPrice: perReport, verification: 'customer' },
  ],
});

describe('an amendment taking effect mid-month, billed through HTTP', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let customer: KeyedClient;
  let contractId: string;
  let publicKeyPem: string;
  const dir = tempDir('ol-mid-amendment-');

  beforeAll(async () => {
    t = await createTestApp();
    vendor = t.as((await t.createVendor('Amending vendor')).adminKey);
    publicKeyPem = (await vendor.get('/v1/vendor/signing-key').expect(200)).body.publicKeyPem;
    const c = await vendor.post('/v1/customers', { name: 'Hospital' }).expect(201);
    const contract = await vendor
      .post('/v1/contracts', {
        customerId: c.body.id, name: 'Radiology', currency: 'USD', timezone: 'America/New_York', taxRate: '0',
        startsOn: '2026-03-01', status: 'active', terms: terms('3100.00', '15.00'),
      })
      .expect(201);
    contractId = contract.body.id;
    customer = t.as(await issueKey(vendor, { role: 'customer', customerId: c.body.id }));
  });
  afterAll(() => t.close());

  let n = 0;
  async function report(occurredAt: string): Promise<string> {
    n++;
    return (await vendor.post(`/v1/contracts/${contractId}/outcomes`, { externalId: `r-${n}`, type: 'report', occurredAt }).expect(201)).body.id;
  }

  async function finalizeAndVerify(invoiceId: string): Promise<any> {
    const fin = await vendor.post(`/v1/invoices/${invoiceId}/finalize`).expect(200);
    const check = await vendor.get(`/v1/invoices/${fin.body.id}/verify`).expect(200);
    expect(check.body).toMatchObject({ matches: true, mismatches: [] });
    return fin.body;
  }

  it('splits March at the 15th, prices each report by its local date, and refuses an amendment inside the invoiced month', async () => {
    const v2 = await vendor.post(`/v1/contracts/${contractId}/terms`, { effectiveFrom: '2026-03-15', terms: terms('6200.00', '20.00') }).expect(201);
    const versions = (await vendor.get(`/v1/contracts/${contractId}/terms`).expect(200)).body;
    const v1Id = versions.find((v: any) => v.version === 1).id;

    const early = [await report('2026-03-10T15:00:00Z'), await report('2026-03-12T15:00:00Z')];
    // 03:00 UTC on the 15th is still the 14th in New York: version 1.
    const edge = await report('2026-03-15T03:00:00Z');
    const late = [await report('2026-03-15T05:00:00Z'), await report('2026-03-20T15:00:00Z')];
    const unverified = await report('2026-03-25T15:00:00Z');
    await customer.post('/v1/outcomes/verify', { ids: [...early, edge, ...late] }).expect(200);

    const draft = await bill(vendor, contractId, '2026-03');
    expect(draft.lines.map((l: any) => [l.key, l.quantity, l.amount])).toEqual([
      ['flat_fee@2026-03-01', '1', '1400.00'],
      ['per_outcome@2026-03-01', '3', '45.00'],
      ['flat_fee@2026-03-15', '1', '3400.00'],
      ['per_outcome@2026-03-15', '2', '40.00'],
    ]);
    expect(draft.lines[2].description).toContain('prorated 17/31 days (2026-03-15 – 2026-03-31)');
    expect(draft.total).toBe('4885.00');

    const march = await finalizeAndVerify(draft.id);
    expect(march.total).toBe('4885.00');
    const full = (await vendor.get(`/v1/invoices/${march.id}?include=trace`).expect(200)).body;
    const trace = full.trace ?? JSON.parse(full.traceJson);
    expect(trace.segments.map((s: any) => [s.start, s.end, s.days, s.termsVersionId])).toEqual([
      ['2026-03-01', '2026-03-15', 14, v1Id],
      ['2026-03-15', '2026-04-01', 17, v2.body.id],
    ]);

    // The customer's document shows both stretches (rendered under test/artifacts for people to look at).
    const pdf = (await vendor.get(`/v1/invoices/${march.id}/pdf`).buffer(true).parse(binary).expect(200)).body as Buffer;
    const file = saveTo(dir, 'march.pdf', pdf);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('2026-03-15 – 2026-03-31');
    expect(text).toContain('4,885.00');
    mkdirSync(ARTIFACTS, { recursive: true });
    execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', file, join(ARTIFACTS, 'invoice-mid-period-amendment-page1')]);

    const inside = await vendor.post(`/v1/contracts/${contractId}/terms`, { effectiveFrom: '2026-03-20', terms: terms('1.00', '1.00') }).expect(409);
    expect(inside.body.code).toBe('TERMS_VERSION_IN_INVOICED_PERIOD');

    // Verified in April: priced under the version of its own stretch (20.00), as an adjustment of
    // March; the report of the 14th (New York) disputed and reversed: taken back at version 1's 15.00.
    await customer.post(`/v1/outcomes/${unverified}/verify`, {}).expect(200);
    await customer.post(`/v1/outcomes/${edge}/dispute`, { reason: 'not accepted by the radiologist' }).expect(200);
    await vendor.post(`/v1/outcomes/${edge}/reverse`, { reason: 'dispute upheld' }).expect(200);
    const april = await finalizeAndVerify((await bill(vendor, contractId, '2026-04')).id);
    expect(april.lines.map((l: any) => [l.key, l.amount])).toEqual([
      ['flat_fee', '6200.00'],
      ['per_outcome', '0.00'],
      ['adj:reversal:2026-03-01:per_outcome@2026-03-01', '-15.00'],
      ['adj:late_verified:2026-03-01:per_outcome@2026-03-15', '20.00'],
    ]);
    expect(april.total).toBe('6205.00');
    expect(april.lines[3].description).toContain('(2026-03-15 – 2026-03-31)');

    const res = await customer.get(`/v1/contracts/${contractId}/evidence`).buffer(true).parse(binary).expect(200);
    const offline = await verifyBundle(saveTo(dir, 'amended.zip', res.body), { publicKeyPem });
    expect(offline.checks.filter((x) => x.status === 'fail')).toEqual([]);
    expect(offline.checks).toContainEqual({ status: 'ok', subject: 'invoices', message: '2 invoice(s) recomputed with the pricing engine: all match' });
  });

  it('refuses a mid-period amendment of terms that charge once per case, and takes it on the first of the month', async () => {
    const c = await vendor.post('/v1/customers', { name: 'Support desk' }).expect(201);
    const perConversation = (price: string) => ({
      components: [{ type: 'per_outcome', outcomeType: 'resolution', unitPrice: price, verification: 'auto', chargeOncePer: 'conversation' }],
    });
    const contract = await vendor
      .post('/v1/contracts', { customerId: c.body.id, name: 'Chatbot', currency: 'USD', timezone: 'UTC', taxRate: '0', startsOn: '2026-03-01', status: 'active', terms: perConversation('0.99') })
      .expect(201);
    const id = contract.body.id;
    const split = await vendor.post(`/v1/contracts/${id}/terms`, { effectiveFrom: '2026-05-10', terms: perConversation('1.10') }).expect(422);
    expect(split.body).toMatchObject({ code: 'TERMS_VERSION_SPLITS_CASE_CHARGE', errors: [expect.objectContaining({ field: 'effectiveFrom' })] });
    // Nor may terms without the rule split a month whose version has it.
    await vendor.post(`/v1/contracts/${id}/terms`, { effectiveFrom: '2026-05-10', terms: terms('10.00', '1.00') }).expect(422);
    await vendor.post(`/v1/contracts/${id}/terms`, { effectiveFrom: '2026-06-01', terms: perConversation('1.10') }).expect(201);
    expect((await vendor.get(`/v1/contracts/${id}/terms`).expect(200)).body.map((v: any) => v.effectiveFrom)).toEqual(['2026-03-01', '2026-06-01']);
  });
});
