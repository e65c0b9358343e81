jest.setTimeout(300_000);

import { DeemingSweep } from '../../src/outcomes/deeming-sweep';
import { issueKey } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

// A radiology-like contract: a report counts when the radiologist accepts it, or when nobody
// objects within 24 hours of it (deemed acceptance). March ends at 2026-04-01T00:00 Asia/Shanghai.
const TERMS = {
  disputeWindowDays: 3650,
  components: [{ type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer', objectionWindow: 'PT24H' }],
};

describe('deemed acceptance', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let customer: KeyedClient;
  let contractId: string;
  const ids: Record<string, string> = {};

  const record = async (externalId: string, occurredAt: string) => {
    const res = await vendor.post(`/v1/contracts/${contractId}/outcomes`, { externalId, type: 'report', quantity: '1', occurredAt }).expect(201);
    expect(res.body.status).toBe('recorded');
    ids[externalId] = res.body.id;
  };
  const bill = async (period: string) => {
    await runBilling(vendor, { period, contractIds: [contractId] });
    const list = await vendor.get(`/v1/invoices?contractId=${contractId}&period=${period}`).expect(200);
    return list.body.data[0];
  };

  beforeAll(async () => {
    t = await createTestApp();
    vendor = t.as((await t.createVendor('Deeming vendor')).adminKey);
    const c = await vendor.post('/v1/customers', { name: 'Hospital' }).expect(201);
    const contract = await vendor
      .post('/v1/contracts', { customerId: c.body.id, name: 'Reports', currency: 'CNY', timezone: 'Asia/Shanghai', taxRate: '0', startsOn: '2026-03-01', status: 'active', terms: TERMS })
      .expect(201);
    contractId = contract.body.id;
    customer = t.as(await issueKey(vendor, { role: 'customer', customerId: c.body.id }));
    // Windows ending one second before and one second after March's cut-off, local time.
    await record('edge-before', '2026-03-30T23:59:59+08:00');
    await record('edge-after', '2026-03-31T00:00:01+08:00');
    await record('confirmed', '2026-03-05T10:00:00+08:00');
    await customer.post(`/v1/outcomes/${ids.confirmed}/verify`, {}).expect(200);
  });
  afterAll(() => t.close());

  it('refuses a rejection once the objection window lapsed, naming why', async () => {
    const res = await customer.post(`/v1/outcomes/${ids['edge-before']}/reject`, { reason: 'too late' }).expect(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('OBJECTION_WINDOW_CLOSED');
    expect((await vendor.get(`/v1/outcomes/${ids['edge-before']}`).expect(200)).body.status).toBe('recorded');
  });

  it('bills a claim whose window lapsed before the cut-off, not one whose window lapsed a second after, before any sweep', async () => {
    const march = await bill('2026-03');
    expect(march.lines.map((l: any) => [l.key, l.quantity, l.amount])).toEqual([['per_outcome', '2', '30.00']]);
    const fin = await vendor.post(`/v1/invoices/${march.id}/finalize`).expect(200);
    expect(fin.body.subtotal).toBe('30.00');
    expect((await vendor.get(`/v1/invoices/${fin.body.id}/verify`).expect(200)).body.matches).toBe(true);
  });

  it('counts confirmed and deemed outcomes apart in the stats', async () => {
    const stats = await vendor.get(`/v1/contracts/${contractId}/outcome-stats?period=2026-03`).expect(200);
    expect(stats.body.byStatus.verified).toBe(3);
    expect(stats.body.verifiedBy).toEqual({ confirmed: 1, deemed: 2 });
    expect(stats.body.byType[0].verifiedBy).toEqual({ confirmed: 1, deemed: 2 });
  });

  it('sweeps lapsed claims once, each with an event that says deemed and when', async () => {
    const sweep = t.app.get(DeemingSweep);
    expect(await sweep.sweep()).toBe(2);
    expect(await sweep.sweep()).toBe(0);
    const detail = (await vendor.get(`/v1/outcomes/${ids['edge-before']}`).expect(200)).body;
    expect(detail.status).toBe('verified');
    expect(detail.verifiedAt).toBe('2026-03-31T15:59:59.000Z');
    expect(detail.events.at(-1)).toMatchObject({ fromStatus: 'recorded', toStatus: 'verified', actorRole: 'system', deemedAt: '2026-03-31T15:59:59.000Z' });
  });

  it('reverses a deemed outcome disputed later on the next invoice, and bills the one deemed after the cut-off there', async () => {
    await customer.post(`/v1/outcomes/${ids['edge-before']}/dispute`, { reason: 'report was wrong' }).expect(200);
    await vendor.post(`/v1/outcomes/${ids['edge-before']}/reverse`, { reason: 'agreed' }).expect(200);
    const april = await bill('2026-04');
    const adj = april.lines.filter((l: any) => l.kind === 'adjustment').map((l: any) => [l.adjustment.kind, l.amount]);
    expect(adj.sort()).toEqual([['late_verified', '15.00'], ['reversal', '-15.00']]);
  });

  it('deems a lapsed claim the sweep has not reached when the customer disputes it', async () => {
    await record('april', '2026-04-02T09:00:00+08:00');
    const res = await customer.post(`/v1/outcomes/${ids.april}/dispute`, { reason: 'wrong' }).expect(200);
    expect(res.body.events.map((e: any) => [e.fromStatus, e.toStatus, e.actorRole, e.deemedAt ?? null])).toEqual([
      [null, 'recorded', 'vendor_admin', null],
      ['recorded', 'verified', 'system', '2026-04-03T01:00:00.000Z'],
      ['verified', 'disputed', 'customer', null],
    ]);
  });
});
