import { issueKey } from '../support/fixtures';
import type { KeyedClient, TestApp } from '../support/test-app';

/** Terms that use every verification: customer-accepted reports and savings, metered queries, a KPI. */
export const MIXED_TERMS = {
  components: [
    { type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer', breakdownBy: 'hospital' },
    { type: 'usage', metric: 'query', unitPrice: '0.20', verification: 'auto' },
    { type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'third_party', verifier: 'Plant QA' },
    {
      type: 'flat_fee', amount: '1000.00', per: 'month',
      guarantee: { kpi: 'uptime_pct', comparator: 'gte', threshold: '99', multiplierIfMissed: '0.5' },
    },
  ],
  outcomeTypes: { uptime_pct: { verification: 'customer' } },
};

export interface OutcomeWorld {
  vendor: KeyedClient;
  vendorId: string;
  customerId: string;
  contractId: string;
  customer: KeyedClient;
  customerKeyId: string;
}

/** A vendor, its customer with an active CNY contract in Shanghai (2026-03-01 to 2026-12-31) and a customer key. */
export async function outcomeWorld(t: TestApp, terms: unknown = MIXED_TERMS): Promise<OutcomeWorld> {
  const created = await t.createVendor();
  const vendor = t.as(created.adminKey);
  const customer = await vendor.post('/v1/customers', { name: 'Ruijin Radiology Network' }).expect(201);
  const contract = await vendor
    .post('/v1/contracts', {
      customerId: customer.body.id, name: 'Copilot', currency: 'CNY', timezone: 'Asia/Shanghai', taxRate: '0.06',
      startsOn: '2026-03-01', endsOn: '2026-12-31', status: 'active', terms,
    })
    .expect(201);
  const key = await vendor.post('/v1/api-keys', { name: 'radiologist', role: 'customer', customerId: customer.body.id }).expect(201);
  return {
    vendor, vendorId: created.vendorId, customerId: customer.body.id, contractId: contract.body.id,
    customer: t.as(key.body.secret), customerKeyId: key.body.id,
  };
}

export async function anotherContract(w: OutcomeWorld, terms: unknown = MIXED_TERMS): Promise<string> {
  const c = await w.vendor
    .post('/v1/contracts', {
      customerId: w.customerId, name: 'Second site', currency: 'CNY', taxRate: '0.06', startsOn: '2026-03-01', status: 'active', terms,
    })
    .expect(201);
  return c.body.id;
}

export function report(externalId: string, extra: Record<string, unknown> = {}) {
  return { externalId, type: 'report', quantity: '1', occurredAt: '2026-03-02T09:00:00+08:00', dimensions: { hospital: 'H1' }, ...extra };
}

export { issueKey };
