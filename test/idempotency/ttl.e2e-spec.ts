import { createTestApp, TestApp } from '../support/test-app';

describe('IDEMPOTENCY_TTL_HOURS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { IDEMPOTENCY_TTL_HOURS: '2' } });
  });
  afterAll(async () => {
    delete process.env.IDEMPOTENCY_TTL_HOURS;
    await t.close();
  });

  it('sets how long a record is kept', async () => {
    const vendor = t.as((await t.createVendor()).adminKey);
    await vendor.post('/v1/customers', { name: 'Short Memory Ltd' }, { 'Idempotency-Key': 'ttl-1' }).expect(201);
    const [{ hours }] = await t.db.query(`SELECT extract(epoch FROM expires_at - created_at) / 3600 AS hours FROM idempotency_keys WHERE key = 'ttl-1'`);
    expect(Number(hours)).toBe(2);
  });
});
