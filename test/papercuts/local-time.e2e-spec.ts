import { bill } from '../invoicing/helpers';
import { outcomeWorld, OutcomeWorld } from '../outcomes/outcome-fixtures';
import { createTestApp, TestApp } from '../support/test-app';

const TERMS = { components: [{ type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer' }] };

describe('local time beside UTC in the contract timezone (issue #18)', () => {
  let t: TestApp;
  let w: OutcomeWorld; // an Asia/Shanghai contract

  beforeAll(async () => {
    t = await createTestApp();
    w = await outcomeWorld(t, TERMS);
  });
  afterAll(() => t.close());

  it('answers an outcome sent with +08:00 with its UTC instant and its local time, in list and detail', async () => {
    const sent = await w.vendor
      .post(`/v1/contracts/${w.contractId}/outcomes`, { externalId: 'rep-sh', type: 'report', quantity: '1', occurredAt: '2026-03-02T01:15:00+08:00' })
      .expect(201);
    const detail = await w.customer.get(`/v1/outcomes/${sent.body.id}`).expect(200);
    // 01:15 in Shanghai is the day before in UTC: the local day is the customer's own
    expect(detail.body).toMatchObject({
      occurredAt: '2026-03-01T17:15:00.000Z', occurredAtLocal: '2026-03-02T01:15:00+08:00', timezone: 'Asia/Shanghai',
    });
    const list = await w.vendor.get(`/v1/outcomes?contractId=${w.contractId}`).expect(200);
    expect(list.body.data.find((o: any) => o.id === sent.body.id)).toMatchObject({
      occurredAt: '2026-03-01T17:15:00.000Z', occurredAtLocal: '2026-03-02T01:15:00+08:00', timezone: 'Asia/Shanghai',
    });
  });

  it('answers invoices with their local period, and createdAt / finalizedAt also in local time', async () => {
    const [o] = (await w.vendor.get(`/v1/outcomes?contractId=${w.contractId}`).expect(200)).body.data;
    await w.customer.post('/v1/outcomes/verify', { ids: [o.id] }).expect(200);
    const draft = await bill(w.vendor, w.contractId, '2026-03');
    expect(draft).toMatchObject({ period: { label: '2026-03', start: '2026-03-01', end: '2026-04-01' }, timezone: 'Asia/Shanghai', finalizedAtLocal: null });
    const shanghai = (iso: string) => new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00';
    expect(draft.createdAtLocal).toBe(shanghai(draft.createdAt));
    await w.vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200);
    const detail = await w.vendor.get(`/v1/invoices/${draft.id}`).expect(200);
    expect(detail.body.finalizedAt).toMatch(/Z$/);
    expect(detail.body).toMatchObject({ timezone: 'Asia/Shanghai', finalizedAtLocal: shanghai(detail.body.finalizedAt) });
  });
});
