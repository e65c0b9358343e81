import { customerWithContract, issueKey } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';

const TABLES = ['vendors', 'api_keys', 'customers', 'contracts', 'terms_versions', 'idempotency_keys'];
const TERMS = { components: [{ type: 'usage', metric: 'query', unitPrice: '0.30', verification: 'auto' }] };

type Case = [who: string, method: 'get' | 'post' | 'patch', path: string, body: unknown, status: number];

describe('tenant isolation: every endpoint, every role of the other vendor and of the wrong customer', () => {
  let t: TestApp;
  const keys: Record<string, string> = {};
  let a1: { customerId: string; contractId: string };
  let a2: { customerId: string; contractId: string };
  let aKeyId: string;

  beforeAll(async () => {
    t = await createTestApp();
    const vendorA = await t.createVendor('Vendor A');
    const vendorB = await t.createVendor('Vendor B');
    keys.aAdmin = vendorA.adminKey;
    keys.bAdmin = vendorB.adminKey;
    const A = t.as(keys.aAdmin);
    const B = t.as(keys.bAdmin);
    a1 = await customerWithContract(A);
    a2 = await customerWithContract(A);
    const b1 = await customerWithContract(B);
    keys.aCustomer2 = await issueKey(A, { role: 'customer', customerId: a2.customerId });
    keys.aAuditorOfA2 = await issueKey(A, { role: 'auditor', contractIds: [a2.contractId] });
    keys.aAuditor = await issueKey(A, { role: 'auditor' });
    keys.bCustomer = await issueKey(B, { role: 'customer', customerId: b1.customerId });
    keys.bAuditor = await issueKey(B, { role: 'auditor' });
    const revoked = await A.post('/v1/api-keys', { name: 'to revoke', role: 'vendor_admin' }).expect(201);
    await A.post(`/v1/api-keys/${revoked.body.id}/revoke`).expect(200);
    keys.aRevoked = revoked.body.secret;
    aKeyId = (await A.get('/v1/api-keys').expect(200)).body[0].id;
  });
  afterAll(() => t.close());

  const cases = (): Case[] => {
    const c1 = `/v1/contracts/${a1.contractId}`;
    const cu1 = `/v1/customers/${a1.customerId}`;
    const newContract = { customerId: a1.customerId, name: 'x', currency: 'CNY', taxRate: '0', startsOn: '2026-01-01', terms: TERMS };
    const foreignVendorCases: Case[] = ['bAdmin', 'bCustomer', 'bAuditor'].flatMap((who): Case[] => {
      const writeStatus = who === 'bAdmin' ? 404 : 403;
      return [
        [who, 'get', cu1, undefined, 404],
        [who, 'patch', cu1, { name: 'hijacked' }, writeStatus],
        [who, 'get', c1, undefined, 404],
        [who, 'get', `${c1}/terms`, undefined, 404],
        [who, 'post', `${c1}/terms`, { effectiveFrom: '2026-06-01', terms: TERMS }, writeStatus],
        [who, 'post', `${c1}/activate`, undefined, writeStatus],
        [who, 'post', `${c1}/terminate`, {}, writeStatus],
        [who, 'post', '/v1/contracts', newContract, writeStatus],
        [who, 'post', `/v1/api-keys/${aKeyId}/revoke`, undefined, writeStatus],
        [who, 'post', '/v1/api-keys', { name: 'k', role: 'customer', customerId: a1.customerId }, writeStatus],
      ];
    });
    return [
      ...foreignVendorCases,
      // the wrong customer of the right vendor
      ['aCustomer2', 'get', cu1, undefined, 404],
      ['aCustomer2', 'get', c1, undefined, 404],
      ['aCustomer2', 'get', `${c1}/terms`, undefined, 404],
      ['aCustomer2', 'patch', cu1, { name: 'x' }, 403],
      ['aCustomer2', 'post', `${c1}/terminate`, {}, 403],
      ['aCustomer2', 'post', '/v1/customers', { name: 'x' }, 403],
      ['aCustomer2', 'get', '/v1/api-keys', undefined, 403],
      // an auditor limited to another contract; and auditors never write
      ['aAuditorOfA2', 'get', c1, undefined, 404],
      ['aAuditor', 'post', '/v1/customers', { name: 'x' }, 403],
      ['aAuditor', 'post', `${c1}/terms`, { effectiveFrom: '2026-06-01', terms: TERMS }, 403],
      ['aAuditor', 'patch', cu1, { name: 'x' }, 403],
      ['aAuditor', 'post', '/v1/api-keys', { name: 'k', role: 'vendor_admin' }, 403],
      // no key, a revoked key, a made-up key
      ['none', 'get', c1, undefined, 401],
      ['aRevoked', 'get', c1, undefined, 401],
      ['garbage', 'get', c1, undefined, 401],
      ['none', 'post', '/v1/customers', { name: 'x' }, 401],
    ];
  };

  it('answers 404, 403 or 401 and writes nothing', async () => {
    const before = await t.counts(TABLES);
    const all = cases();
    expect(all.length).toBeGreaterThanOrEqual(40);
    for (const [who, method, path, body, status] of all) {
      const key = who === 'none' ? null : who === 'garbage' ? 'ol_vnd_not-a-real-key' : keys[who];
      const client: KeyedClient | null = key ? t.as(key) : null;
      const res = client
        ? method === 'get'
          ? await client.get(path)
          : method === 'patch'
            ? await client.patch(path, body)
            : await client.post(path, body)
        : await (t.http() as any)[method](path).send(body ?? {});
      expect({ who, method, path, status: res.status }).toEqual({ who, method, path, status });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect(await t.counts(TABLES)).toEqual(before);
  });

  it('lists show only what the key may see', async () => {
    const bContracts = await t.as(keys.bAdmin).get('/v1/contracts').expect(200);
    expect(bContracts.body.data.map((c: any) => c.id)).not.toEqual(expect.arrayContaining([a1.contractId]));
    const bCustomers = await t.as(keys.bAdmin).get('/v1/customers').expect(200);
    expect(bCustomers.body.data.map((c: any) => c.id)).not.toContain(a1.customerId);
    const asCustomer2 = await t.as(keys.aCustomer2).get('/v1/contracts').expect(200);
    expect(asCustomer2.body.data.map((c: any) => c.id)).toEqual([a2.contractId]);
    const customersOf2 = await t.as(keys.aCustomer2).get('/v1/customers').expect(200);
    expect(customersOf2.body.data.map((c: any) => c.id)).toEqual([a2.customerId]);
    const limitedAuditor = await t.as(keys.aAuditorOfA2).get('/v1/contracts').expect(200);
    expect(limitedAuditor.body.data.map((c: any) => c.id)).toEqual([a2.contractId]);
    const auditor = await t.as(keys.aAuditor).get('/v1/contracts').expect(200);
    expect(auditor.body.data.map((c: any) => c.id).sort()).toEqual([a1.contractId, a2.contractId].sort());
  });

  it('stamps last-used time on a key and never returns the secret again', async () => {
    await t.as(keys.aAuditor).get('/v1/contracts').expect(200);
    const list = await t.as(keys.aAdmin).get('/v1/api-keys').expect(200);
    const auditor = list.body.find((k: any) => k.role === 'auditor' && k.contractIds === null);
    expect(auditor.lastUsedAt).toEqual(expect.any(String));
    expect(JSON.stringify(list.body)).not.toContain(keys.aAuditor);
    const stored = await t.db.query(`SELECT key_sha256 FROM api_keys`);
    expect(JSON.stringify(stored)).not.toContain(keys.aAuditor);
  });
});
