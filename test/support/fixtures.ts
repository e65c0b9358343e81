import type { KeyedClient } from './test-app';

/** A customer and an active contract through the API; terms default to a simple per-query price. */
export async function customerWithContract(
  vendor: KeyedClient,
  overrides: Record<string, unknown> = {},
): Promise<{ customerId: string; contractId: string; contract: any }> {
  const customer = await vendor.post('/v1/customers', { name: 'Acme Hospital Group' }).expect(201);
  const contract = await vendor
    .post('/v1/contracts', {
      customerId: customer.body.id,
      name: 'Chatbot queries',
      currency: 'CNY',
      timezone: 'Asia/Shanghai',
      taxRate: '0.06',
      startsOn: '2026-03-01',
      status: 'active',
      terms: { components: [{ type: 'usage', metric: 'query', unitPrice: '0.20', per: '1', verification: 'auto' }] },
      ...overrides,
    })
    .expect(201);
  return { customerId: customer.body.id, contractId: contract.body.id, contract: contract.body };
}

export async function issueKey(vendor: KeyedClient, body: Record<string, unknown>): Promise<string> {
  const res = await vendor.post('/v1/api-keys', { name: 'test key', ...body }).expect(201);
  return res.body.secret;
}
