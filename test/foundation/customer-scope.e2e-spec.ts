import { customerWithContract, issueKey } from '../support/fixtures';
import { createTestApp, TestApp } from '../support/test-app';

describe('customers through a restricted key', () => {
  let t: TestApp;
  let granted: Array<{ customerId: string; contractId: string }>;
  let outside: { customerId: string; contractId: string };
  let auditor: string;
  let customer: string;

  beforeAll(async () => {
    t = await createTestApp();
    const vendor = await t.createVendor('Vendor A');
    const A = t.as(vendor.adminKey);
    granted = [await customerWithContract(A), await customerWithContract(A)];
    outside = await customerWithContract(A);
    auditor = await issueKey(A, { role: 'auditor', contractIds: granted.map((g) => g.contractId) });
    customer = await issueKey(A, { role: 'customer', customerId: granted[0].customerId });
  });
  afterAll(() => t.close());

  it('an auditor granted two contracts lists only the customers of those contracts', async () => {
    const res = await t.as(auditor).get('/v1/customers').expect(200);
    expect(res.body.data.map((c: any) => c.id).sort()).toEqual(granted.map((g) => g.customerId).sort());
  });

  it('an auditor granted two contracts reads their customers and not a customer outside its grant (404)', async () => {
    await t.as(auditor).get(`/v1/customers/${granted[1].customerId}`).expect(200);
    const res = await t.as(auditor).get(`/v1/customers/${outside.customerId}`).expect(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });

  it('a customer key lists and reads only itself', async () => {
    const res = await t.as(customer).get('/v1/customers').expect(200);
    expect(res.body.data.map((c: any) => c.id)).toEqual([granted[0].customerId]);
    await t.as(customer).get(`/v1/customers/${granted[1].customerId}`).expect(404);
  });

  it('pages the vendor’s customers newest first with a cursor', async () => {
    const first = await t.as(auditor).get('/v1/customers?limit=1').expect(200);
    expect(first.body.data).toHaveLength(1);
    const second = await t.as(auditor).get(`/v1/customers?limit=1&cursor=${first.body.nextCursor}`).expect(200);
    expect(second.body.data).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    expect([first.body.data[0].id, second.body.data[0].id]).toEqual(granted.map((g) => g.customerId).sort().reverse());
  });
});
