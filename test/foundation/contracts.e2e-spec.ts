import { customerWithContract } from '../support/fixtures';
import { createTestApp, TestApp } from '../support/test-app';

describe('contracts and terms versions', () => {
  let t: TestApp;
  let vendor: ReturnType<TestApp['as']>;

  beforeAll(async () => {
    t = await createTestApp({ validateResponses: true }); // every answer held to /openapi.json
    vendor = t.as((await t.createVendor()).adminKey);
  });
  afterAll(() => t.close());

  it('creates a contract with its first terms version and reads it back with money as strings', async () => {
    const { contractId } = await customerWithContract(vendor);
    const res = await vendor.get(`/v1/contracts/${contractId}`).expect(200);
    expect(res.body).toMatchObject({ currency: 'CNY', taxRate: '0.06', status: 'active', startsOn: '2026-03-01' });
    expect(res.body.currentTerms).toMatchObject({ version: 1, effectiveFrom: '2026-03-01' });
    expect(res.body.currentTerms.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('amends the terms as a new version, from the first of a month or any day inside one', async () => {
    const { contractId } = await customerWithContract(vendor);
    const terms = { components: [{ type: 'usage', metric: 'query', unitPrice: '0.18', verification: 'auto' }] };
    const v2 = await vendor.post(`/v1/contracts/${contractId}/terms`, { effectiveFrom: '2026-05-01', terms }).expect(201);
    expect(v2.body.version).toBe(2);
    const again = await vendor.post(`/v1/contracts/${contractId}/terms`, { effectiveFrom: '2026-05-01', terms }).expect(409);
    expect(again.body.code).toBe('TERMS_VERSION_OVERLAPS');
    const midMonth = await vendor.post(`/v1/contracts/${contractId}/terms`, { effectiveFrom: '2026-06-15', terms }).expect(201);
    expect(midMonth.body).toMatchObject({ version: 3, effectiveFrom: '2026-06-15' });
    const list = await vendor.get(`/v1/contracts/${contractId}/terms`).expect(200);
    expect(list.body.map((v: any) => v.version)).toEqual([1, 2, 3]);
  });

  it('refuses terms that name an unknown guarantee KPI, naming the field', async () => {
    const customer = await vendor.post('/v1/customers', { name: 'City of Hangzhou' }).expect(201);
    const res = await vendor
      .post('/v1/contracts', {
        customerId: customer.body.id,
        name: 'Traffic',
        currency: 'CNY',
        taxRate: '0.06',
        startsOn: '2026-01-01',
        terms: {
          components: [
            {
              type: 'per_area',
              annualRatePerKm2: '2000000.00',
              areaKm2: '8.5',
              guarantee: { kpi: 'congestion_reduction_pct', comparator: 'gte', threshold: '10', multiplierIfMissed: '0.5' },
            },
          ],
        },
      })
      .expect(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors.map((e: any) => e.field)).toContain('terms.components[0].guarantee.kpi');
  });

  it('moves a contract draft → active → terminated and refuses going back', async () => {
    const { contractId } = await customerWithContract(vendor, { status: 'draft' });
    await vendor.post(`/v1/contracts/${contractId}/activate`).expect(200);
    const ended = await vendor.post(`/v1/contracts/${contractId}/terminate`, { endsOn: '2026-12-31' }).expect(200);
    expect(ended.body).toMatchObject({ status: 'terminated', endsOn: '2026-12-31' });
    const back = await vendor.post(`/v1/contracts/${contractId}/activate`).expect(409);
    expect(back.body.code).toBe('CONTRACT_TRANSITION_INVALID');
  });

  it('lists contracts by customer and status with a cursor', async () => {
    const a = await customerWithContract(vendor);
    await customerWithContract(vendor);
    const page1 = await vendor.get(`/v1/contracts?limit=1`).expect(200);
    expect(page1.body.data).toHaveLength(1);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await vendor.get(`/v1/contracts?limit=1&cursor=${page1.body.nextCursor}`).expect(200);
    expect(page2.body.data[0].id).not.toBe(page1.body.data[0].id);
    const byCustomer = await vendor.get(`/v1/contracts?customerId=${a.customerId}`).expect(200);
    expect(byCustomer.body.data.map((c: any) => c.id)).toEqual([a.contractId]);
  });
});
