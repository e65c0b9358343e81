import { createHash } from 'node:crypto';
import type { KeyedClient, TestApp } from '../support/test-app';

/** Flat fee per line plus 10% of savings the customer verifies: the inspection scheme, small. */
export const SHARE_TERMS = {
  components: [
    { type: 'flat_fee', amount: '50000.00', per: 'month' },
    { type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'customer' },
  ],
};

export interface PortalWorld {
  vendor: KeyedClient;
  adminKey: string;
  vendorId: string;
  customerId: string;
  contractId: string;
  outcomeIds: string[];
}

/** A vendor, a customer with a CNY contract in Shanghai, and `n` savings outcomes awaiting verification. */
export async function portalWorld(t: TestApp, n = 6, name = 'Suzhou Precision Castings'): Promise<PortalWorld> {
  const created = await t.createVendor('Vision QA AI');
  const vendor = t.as(created.adminKey);
  return { vendor, adminKey: created.adminKey, vendorId: created.vendorId, ...(await customerWithOutcomes(vendor, n, name)) };
}

export async function customerWithOutcomes(vendor: KeyedClient, n: number, name: string) {
  const customer = await vendor.post('/v1/customers', { name }).expect(201);
  const contract = await vendor
    .post('/v1/contracts', {
      customerId: customer.body.id, name: `${name} · defect inspection`, currency: 'CNY', timezone: 'Asia/Shanghai', taxRate: '0.06',
      startsOn: '2026-03-01', status: 'active', terms: SHARE_TERMS,
    })
    .expect(201);
  const outcomes = Array.from({ length: n }, (_, i) => ({
    contractId: contract.body.id,
    externalId: `saving-${i + 1}`,
    type: 'savings',
    value: `${1000 * (i + 1)}.50`,
    occurredAt: `2026-03-${String(10 + i).padStart(2, '0')}T10:00:00+08:00`,
    dimensions: { site: i % 2 ? 'S2' : 'S1', line: `L${i + 1}` },
    evidenceUri: `s3://qa-evidence/2026/03/saving-${i + 1}.mp4`,
    evidenceSha256: createHash('sha256').update(`saving-${i + 1}`).digest('hex'),
  }));
  const res = await vendor.post('/v1/outcomes/batch', { outcomes }).expect(200);
  expect(res.body.created).toBe(n);
  return {
    customerId: customer.body.id as string,
    contractId: contract.body.id as string,
    outcomeIds: res.body.results.map((r: { outcome: { id: string } }) => r.outcome.id) as string[],
  };
}

/** A fresh portal link through the API, as a vendor would issue it. */
export async function portalLink(vendor: KeyedClient, body: Record<string, unknown>): Promise<string> {
  const res = await vendor.post('/v1/portal-links', body).expect(201);
  expect(new Date(res.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
  return res.body.url;
}
