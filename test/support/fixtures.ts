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

/** Terms with a guarantee on a KPI that is never measured: the engine refuses the period (KPI_MEASUREMENT_MISSING). */
export const GUARANTEE_WITHOUT_KPI_TERMS = {
  components: [
    {
      type: 'per_area',
      annualRatePerKm2: '1200.00',
      areaKm2: '1',
      guarantee: { kpi: 'congestion_reduction_pct', comparator: 'gte', threshold: '10', multiplierIfMissed: '0.5' },
    },
  ],
  outcomeTypes: { congestion_reduction_pct: { verification: 'customer' } },
};

export async function issueKey(vendor: KeyedClient, body: Record<string, unknown>): Promise<string> {
  const res = await vendor.post('/v1/api-keys', { name: 'test key', ...body }).expect(201);
  return res.body.secret;
}
