import { bill } from '../invoicing/helpers';
import { outcomeWorld, OutcomeWorld } from '../outcomes/outcome-fixtures';
import { createTestApp, TestApp } from '../support/test-app';

const TERMS = {
  components: [
    { type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer' },
    { type: 'usage', metric: 'query', unitPrice: '0.20', verification: 'auto' },
    { type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'customer' },
  ],
};

describe('a counted outcome recorded without quantity (issue #18)', () => {
  let t: TestApp;
  let w: OutcomeWorld;

  beforeAll(async () => {
    t = await createTestApp();
    w = await outcomeWorld(t, TERMS);
  });
  afterAll(() => t.close());

  it('is recorded with quantity 1 and billed as one report', async () => {
    const res = await w.vendor
      .post(`/v1/contracts/${w.contractId}/outcomes`, { externalId: 'rep-no-qty', type: 'report', occurredAt: '2026-03-02T09:00:00+08:00' })
      .expect(201);
    expect(res.body).toMatchObject({ type: 'report', quantity: '1', value: null });
    await w.customer.post('/v1/outcomes/verify', { ids: [res.body.id] }).expect(200);
    const draft = await bill(w.vendor, w.contractId, '2026-03');
    const invoice = await w.vendor.get(`/v1/invoices/${draft.id}`).expect(200);
    const line = invoice.body.lines.find((l: any) => /report/.test(JSON.stringify(l)));
    if (!line) throw new Error(JSON.stringify(invoice.body.lines));
    expect(line).toMatchObject({ quantity: '1', amount: '15.00' });
    expect(invoice.body.subtotal).toBe('15.00');
  });

  it('still asks value-priced and metered types for their field, saying how the type is priced, and writes nothing', async () => {
    const before = await t.counts(['outcomes']);
    const savings = await w.vendor
      .post(`/v1/contracts/${w.contractId}/outcomes`, { externalId: 's-1', type: 'savings', occurredAt: '2026-03-02T09:00:00+08:00' })
      .expect(422);
    expect(savings.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(savings.body).toMatchObject({ code: 'OUTCOME_AMOUNT_MISSING' });
    expect(savings.body.errors[0]).toMatchObject({ field: 'value' });
    expect(savings.body.errors[0].message).toContain('"savings" is priced as a 10% value share: send value');
    const query = await w.vendor
      .post(`/v1/contracts/${w.contractId}/outcomes`, { externalId: 'q-1', type: 'query', occurredAt: '2026-03-02T09:00:00+08:00' })
      .expect(422);
    expect(query.body.errors[0]).toMatchObject({ field: 'quantity' });
    expect(query.body.errors[0].message).toContain('"query" is priced as metered usage at 0.20 per unit: send quantity');
    expect(await t.counts(['outcomes'])).toEqual(before);
  });
});
