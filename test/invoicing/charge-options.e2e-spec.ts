jest.setTimeout(300_000);

import { readFileSync } from 'node:fs';
import { verifyBundle } from '../../src/audit/verify-bundle';
import { binary, saveTo, tempDir } from '../reports/support';
import { issueKey } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { bill } from './helpers';

// Issue #15 item 2: each new charge option billed through HTTP, finalized, re-verified by the
// service and by the offline verifier from an evidence bundle.
const share = (more: object) => ({ components: [{ type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'customer', ...more }] });
const BANDS = [
  { upTo: '1000', rate: '0.10', flatAmount: '5' },
  { upTo: '5000', rate: '0.05', flatAmount: '20' },
  { upTo: null, rate: '0.02' },
];

describe('the value-share and usage charge options, billed', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let publicKeyPem: string;
  const dir = tempDir('ol-charge-options-');
  let n = 0;

  beforeAll(async () => {
    t = await createTestApp();
    vendor = t.as((await t.createVendor('Charge options vendor')).adminKey);
    publicKeyPem = (await vendor.get('/v1/vendor/signing-key').expect(200)).body.publicKeyPem;
  });
  afterAll(() => t.close());

  async function contractWith(terms: object): Promise<{ id: string; customer: KeyedClient }> {
    n++;
    const c = await vendor.post('/v1/customers', { name: `Customer ${n}` }).expect(201);
    const contract = await vendor
      .post('/v1/contracts', { customerId: c.body.id, name: `Contract ${n}`, currency: 'USD', timezone: 'UTC', taxRate: '0', startsOn: '2026-03-01', status: 'active', terms })
      .expect(201);
    return { id: contract.body.id, customer: t.as(await issueKey(vendor, { role: 'customer', customerId: c.body.id })) };
  }

  async function record(contractId: string, outcomes: Array<{ type: string; value?: string; quantity?: string; occurredAt: string }>): Promise<string[]> {
    const ids: string[] = [];
    for (const o of outcomes) {
      n++;
      const res = await vendor.post(`/v1/contracts/${contractId}/outcomes`, { externalId: `o-${n}`, ...o }).expect(201);
      ids.push(res.body.id);
    }
    return ids;
  }

  const savings = (...values: string[]) => values.map((value, i) => ({ type: 'savings', value, occurredAt: `2026-03-${String(i + 2).padStart(2, '0')}T09:00:00Z` }));
  const lines = (invoice: any) => invoice.lines.map((l: any) => [l.key, l.kind, l.quantity, l.amount]);

  async function finalizeAndVerify(invoice: any): Promise<void> {
    const fin = await vendor.post(`/v1/invoices/${invoice.id}/finalize`).expect(200);
    expect((await vendor.get(`/v1/invoices/${fin.body.id}/verify`).expect(200)).body.matches).toBe(true);
  }

  async function bundleVerifies(c: { id: string; customer: KeyedClient }, invoices: number): Promise<void> {
    const res = await c.customer.get(`/v1/contracts/${c.id}/evidence`).buffer(true).parse(binary).expect(200);
    const report = await verifyBundle(saveTo(dir, `${c.id}.zip`, res.body), { publicKeyPem });
    expect(report.checks.filter((x) => x.status === 'fail')).toEqual([]);
    expect(report.checks).toContainEqual({ status: 'ok', subject: 'invoices', message: `${invoices} invoice(s) recomputed with the pricing engine: all match` });
  }

  async function billedShare(terms: object, values: string[]): Promise<{ c: { id: string; customer: KeyedClient }; invoice: any }> {
    const c = await contractWith(terms);
    const ids = await record(c.id, savings(...values));
    await c.customer.post('/v1/outcomes/verify', { ids }).expect(200);
    return { c, invoice: await bill(vendor, c.id, '2026-03') };
  }

  it('frees the first 1,000 of verified value: 600 + 900 verified → 10 % of 500', async () => {
    const { c, invoice } = await billedShare(share({ freeValue: '1000' }), ['600', '900']);
    expect(lines(invoice)).toEqual([['value_share', 'charge', '1500', '50.00']]);
    const trace = (await vendor.get(`/v1/invoices/${invoice.id}`).expect(200)).body.trace;
    expect(trace.lines[0]).toMatchObject({ formula: '0.10 × max(1500 − 1000, 0)', inputs: { freeValue: '1000', freeValueUsed: '1000', chargedValue: '500' } });
    await finalizeAndVerify(invoice);
    await bundleVerifies(c, 1);
  });

  it('prices 7,500 of value in graduated bands: 105 + 220 + 50', async () => {
    const { c, invoice } = await billedShare({ components: [{ type: 'value_share', bands: BANDS, outcomeType: 'savings', verification: 'customer' }] }, ['700', '6800']);
    expect(lines(invoice)).toEqual([['value_share', 'charge', '7500', '375.00']]);
    await finalizeAndVerify(invoice);
    await bundleVerifies(c, 1);
  });

  it('adds a fixed fee per verified outcome beside the rate: 10 % of 1,000 + 3 × 0.50', async () => {
    const { c, invoice } = await billedShare(share({ perTransactionFee: '0.50' }), ['400', '500', '100']);
    expect(lines(invoice)).toEqual([['value_share', 'charge', '1000', '101.50']]);
    expect(invoice.lines[0].description).toBe('10% of verified savings + 0.50 per outcome');
    await finalizeAndVerify(invoice);
    await bundleVerifies(c, 1);
  });

  it('clamps each outcome’s share between 5 and 50 in SQL, and bills a late outcome at its own clamped share', async () => {
    const c = await contractWith(share({ perTransactionMin: '5', perTransactionMax: '50' }));
    const ids = await record(c.id, savings('20', '300', '900', '2000'));
    await c.customer.post('/v1/outcomes/verify', { ids: ids.slice(0, 3) }).expect(200);
    const march = await bill(vendor, c.id, '2026-03');
    expect(lines(march)).toEqual([['value_share', 'charge', '1220', '85.00']]); // 5 + 30 + 50
    const trace = (await vendor.get(`/v1/invoices/${march.id}`).expect(200)).body.trace;
    expect(trace.lines[0]).toMatchObject({ formula: 'Σ clamp(0.10 × value, 5, 50)', inputs: { clampedSum: '85', unclamped: '122' } });
    await finalizeAndVerify(march);
    // Verified after March was invoiced: April carries it, clamped at 50 (not 200).
    await c.customer.post('/v1/outcomes/verify', { ids: [ids[3]] }).expect(200);
    const april = await bill(vendor, c.id, '2026-04');
    expect(lines(april)).toEqual([
      ['value_share', 'charge', '0', '0.00'],
      ['adj:late_verified:2026-03-01:value_share', 'adjustment', '2000', '50.00'],
    ]);
    await finalizeAndVerify(april);
    await bundleVerifies(c, 2);
  });

  it('prorates recurring seats by days active: 10 from 1 March and 5 from the 10th are 420 seat-days of 31', async () => {
    const c = await contractWith({ components: [{ type: 'usage', metric: 'seat', unitPrice: '20', prorated: true }] });
    await record(c.id, [
      { type: 'seat', quantity: '10', occurredAt: '2026-03-01T08:00:00Z' },
      { type: 'seat', quantity: '5', occurredAt: '2026-03-10T08:00:00Z' },
    ]);
    const invoice = await bill(vendor, c.id, '2026-03');
    // 420 × 20 ÷ 31 = 270.967… → 270.97.
    expect(lines(invoice)).toEqual([['seat', 'charge', '13.548387096774', '270.97']]);
    await finalizeAndVerify(invoice);
    await bundleVerifies(c, 1);
  });

  it('refuses bad combinations with a 422 naming each field, writing nothing', async () => {
    const customer = await vendor.post('/v1/customers', { name: 'Refused' }).expect(201);
    const res = await vendor
      .post('/v1/contracts', {
        customerId: customer.body.id, name: 'Bad', currency: 'USD', timezone: 'UTC', taxRate: '0', startsOn: '2026-03-01', status: 'active',
        terms: {
          components: [
            { type: 'value_share', rate: '0.1', bands: BANDS, outcomeType: 'savings', verification: 'customer', perTransactionMin: '1' },
            { type: 'value_share', rate: '0.1', outcomeType: 'bad_debt', verification: 'customer', perTransactionMin: '60', perTransactionMax: '50' },
            { type: 'usage', metric: 'seat', unitPrice: '20', prorated: 'yes' },
          ],
        },
      })
      .expect(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('TERMS_INVALID');
    expect(res.body.errors.map((e: any) => e.field)).toEqual([
      'terms.components[0].rate',
      'terms.components[0].perTransactionMin',
      'terms.components[1].perTransactionMin',
      'terms.components[2].prorated',
    ]);
    expect((await vendor.get(`/v1/contracts?customerId=${customer.body.id}`).expect(200)).body.data).toEqual([]);
  });
});
