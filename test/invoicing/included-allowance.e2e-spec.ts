jest.setTimeout(300_000);

import { issueKey } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

// Fin-like terms: 0.99 per resolution, the first 3 of each month included.
const TERMS = { components: [{ type: 'per_outcome', unitPrice: '0.99', outcomeType: 'resolution', verification: 'customer', includedPerPeriod: '3' }] };

describe('an included allowance, billed', () => {
  let t: TestApp;
  let vendor: KeyedClient;

  beforeAll(async () => {
    t = await createTestApp();
    vendor = t.as((await t.createVendor('Allowance vendor')).adminKey);
  });
  afterAll(() => t.close());

  it.each([
    ['2026-03', 2, '1.98', '-2', '-1.98', '0.00'],
    ['2026-04', 3, '2.97', '-3', '-2.97', '0.00'],
    ['2026-05', 4, '3.96', '-3', '-2.97', '0.99'],
  ])('in %s, %i verified resolutions against 3 included: the allowance line and the subtotal', async (period, n, charged, free, given, subtotal) => {
    const c = await vendor.post('/v1/customers', { name: `Customer ${period}` }).expect(201);
    const contract = await vendor
      .post('/v1/contracts', { customerId: c.body.id, name: 'Support agent', currency: 'USD', timezone: 'UTC', taxRate: '0', startsOn: '2026-03-01', status: 'active', terms: TERMS })
      .expect(201);
    const customer = t.as(await issueKey(vendor, { role: 'customer', customerId: c.body.id }));
    const ids: string[] = [];
    for (let i = 0; i < n + 1; i++) {
      const res = await vendor
        .post(`/v1/contracts/${contract.body.id}/outcomes`, { externalId: `r-${i}`, type: 'resolution', quantity: '1', occurredAt: `${period}-0${i + 1}T10:00:00Z` })
        .expect(201);
      ids.push(res.body.id);
    }
    await customer.post('/v1/outcomes/verify', { ids: ids.slice(0, n) }).expect(200);
    await customer.post('/v1/outcomes/reject', { ids: ids.slice(n), reason: 'not resolved' }).expect(200); // rejected: not counted
    await runBilling(vendor, { period, contractIds: [contract.body.id] });
    const list = await vendor.get(`/v1/invoices?contractId=${contract.body.id}&period=${period}`).expect(200);
    const invoice = list.body.data[0];
    expect(invoice.lines.map((l: any) => [l.key, l.kind, l.quantity, l.amount])).toEqual([
      ['per_outcome', 'charge', String(n), charged],
      ['per_outcome[included]', 'included_allowance', free, given],
    ]);
    expect(invoice.subtotal).toBe(subtotal);
    const fin = await vendor.post(`/v1/invoices/${invoice.id}/finalize`).expect(200);
    expect((await vendor.get(`/v1/invoices/${fin.body.id}/verify`).expect(200)).body.matches).toBe(true);
  });
});
