import { customerWithContract } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';

const TABLES = ['vendors', 'api_keys', 'customers', 'contracts', 'terms_versions', 'idempotency_keys'];
const USAGE = { type: 'usage', metric: 'query', unitPrice: '0.20', verification: 'auto' };

interface Row {
  name: string;
  method: 'post' | 'patch' | 'get';
  path: (ids: Ids) => string;
  body?: (ids: Ids) => unknown;
  raw?: { contentType: string; payload: string };
  status: number;
  /** A field the problem's `errors` must name. */
  field?: string;
}
interface Ids {
  customerId: string;
  contractId: string;
}

const contract = (over: Record<string, unknown>) => (ids: Ids) => ({
  customerId: ids.customerId,
  name: 'Inspection',
  currency: 'CNY',
  taxRate: '0.06',
  startsOn: '2026-03-01',
  terms: { components: [USAGE] },
  ...over,
});
const terms = (components: unknown[], extra: Record<string, unknown> = {}) => contract({ terms: { components, ...extra } });

const ROWS: Row[] = [
  // customers
  { name: 'customer without a name', method: 'post', path: () => '/v1/customers', body: () => ({}), status: 422, field: 'name' },
  { name: 'customer with an empty name', method: 'post', path: () => '/v1/customers', body: () => ({ name: '' }), status: 422, field: 'name' },
  { name: 'customer name as a number', method: 'post', path: () => '/v1/customers', body: () => ({ name: 42 }), status: 422, field: 'name' },
  { name: 'customer name of 201 characters', method: 'post', path: () => '/v1/customers', body: () => ({ name: 'x'.repeat(201) }), status: 422, field: 'name' },
  { name: 'customer with an unknown field', method: 'post', path: () => '/v1/customers', body: () => ({ name: 'a', isAdmin: true }), status: 422, field: 'isAdmin' },
  { name: 'customer name with control characters', method: 'post', path: () => '/v1/customers', body: () => ({ name: 'a\u0000b' }), status: 422, field: 'name' },
  { name: 'customer update with an empty reference', method: 'patch', path: (i) => `/v1/customers/${i.customerId}`, body: () => ({ reference: '' }), status: 422, field: 'reference' },
  // contracts: scalar fields
  { name: 'unknown currency', method: 'post', path: () => '/v1/contracts', body: contract({ currency: 'XYZ' }), status: 422, field: 'currency' },
  { name: 'lower-case currency', method: 'post', path: () => '/v1/contracts', body: contract({ currency: 'cny' }), status: 422, field: 'currency' },
  { name: 'unknown timezone', method: 'post', path: () => '/v1/contracts', body: contract({ timezone: 'Mars/Olympus_Mons' }), status: 422, field: 'timezone' },
  { name: 'tax rate above 1', method: 'post', path: () => '/v1/contracts', body: contract({ taxRate: '1.5' }), status: 422, field: 'taxRate' },
  { name: 'tax rate NaN', method: 'post', path: () => '/v1/contracts', body: contract({ taxRate: 'NaN' }), status: 422, field: 'taxRate' },
  { name: 'tax rate 1e400', method: 'post', path: () => '/v1/contracts', body: contract({ taxRate: '1e400' }), status: 422, field: 'taxRate' },
  { name: 'tax rate as a JSON number', method: 'post', path: () => '/v1/contracts', body: contract({ taxRate: 0.06 }), status: 422, field: 'taxRate' },
  { name: 'tax rate with 40 digits', method: 'post', path: () => '/v1/contracts', body: contract({ taxRate: '0.' + '1'.repeat(40) }), status: 422, field: 'taxRate' },
  { name: 'tax rate empty string', method: 'post', path: () => '/v1/contracts', body: contract({ taxRate: '' }), status: 422, field: 'taxRate' },
  { name: 'start date 30 February', method: 'post', path: () => '/v1/contracts', body: contract({ startsOn: '2026-02-30' }), status: 422, field: 'startsOn' },
  { name: 'start date in 1900', method: 'post', path: () => '/v1/contracts', body: contract({ startsOn: '1900-01-01' }), status: 422, field: 'startsOn' },
  { name: 'start date with a time', method: 'post', path: () => '/v1/contracts', body: contract({ startsOn: '2026-03-01T00:00:00Z' }), status: 422, field: 'startsOn' },
  { name: 'end before start', method: 'post', path: () => '/v1/contracts', body: contract({ endsOn: '2026-02-01' }), status: 422, field: 'endsOn' },
  { name: 'weekly billing cycle', method: 'post', path: () => '/v1/contracts', body: contract({ billingCycle: 'weekly' }), status: 422, field: 'billingCycle' },
  { name: 'created already terminated', method: 'post', path: () => '/v1/contracts', body: contract({ status: 'terminated' }), status: 422, field: 'status' },
  { name: 'SQL-looking customer id', method: 'post', path: () => '/v1/contracts', body: contract({ customerId: "1'; DROP TABLE contracts; --" }), status: 422, field: 'customerId' },
  { name: 'SQL-looking name', method: 'post', path: () => '/v1/contracts', body: contract({ name: "x'); DELETE FROM vendors; --\u0007" }), status: 422, field: 'name' },
  { name: 'missing terms', method: 'post', path: () => '/v1/contracts', body: contract({ terms: undefined }), status: 422, field: 'terms' },
  { name: 'terms as a string', method: 'post', path: () => '/v1/contracts', body: contract({ terms: 'cheap' }), status: 422, field: 'terms' },
  // contracts: the terms document
  { name: 'no price components', method: 'post', path: () => '/v1/contracts', body: terms([]), status: 422, field: 'terms.components' },
  { name: 'unknown component type', method: 'post', path: () => '/v1/contracts', body: terms([{ type: 'per_vibe', unitPrice: '1' }]), status: 422, field: 'terms.components[0].type' },
  { name: 'unknown field in a component', method: 'post', path: () => '/v1/contracts', body: terms([{ ...USAGE, discount: '0.5' }]), status: 422, field: 'terms.components[0].discount' },
  { name: 'negative unit price', method: 'post', path: () => '/v1/contracts', body: terms([{ ...USAGE, unitPrice: '-0.20' }]), status: 422, field: 'terms.components[0].unitPrice' },
  { name: 'share rate above 1', method: 'post', path: () => '/v1/contracts', body: terms([{ type: 'value_share', rate: '1.10', outcomeType: 'savings', verification: 'customer' }]), status: 422, field: 'terms.components[0].rate' },
  { name: 'price as a JSON number', method: 'post', path: () => '/v1/contracts', body: terms([{ ...USAGE, unitPrice: 0.2 }]), status: 422, field: 'terms.components[0].unitPrice' },
  { name: 'price 1e400', method: 'post', path: () => '/v1/contracts', body: terms([{ ...USAGE, unitPrice: '1e400' }]), status: 422, field: 'terms.components[0].unitPrice' },
  { name: 'flat fee per fortnight', method: 'post', path: () => '/v1/contracts', body: terms([{ type: 'flat_fee', amount: '100.00', per: 'fortnight' }]), status: 422, field: 'terms.components[0].per' },
  {
    name: 'guarantee on an undeclared KPI',
    method: 'post',
    path: () => '/v1/contracts',
    body: terms([{ type: 'per_area', annualRatePerKm2: '1000', areaKm2: '2', guarantee: { kpi: 'uptime', comparator: 'gte', threshold: '99', multiplierIfMissed: '0.5' } }]),
    status: 422,
    field: 'terms.components[0].guarantee.kpi',
  },
  { name: 'unknown verification', method: 'post', path: () => '/v1/contracts', body: terms([{ ...USAGE, verification: 'trust_me' }]), status: 422, field: 'terms.components[0].verification' },
  // terms versions
  { name: 'amendment on 13th month', method: 'post', path: (i) => `/v1/contracts/${i.contractId}/terms`, body: () => ({ effectiveFrom: '2026-13-01', terms: { components: [USAGE] } }), status: 422, field: 'effectiveFrom' },
  { name: 'amendment before the contract starts', method: 'post', path: (i) => `/v1/contracts/${i.contractId}/terms`, body: () => ({ effectiveFrom: '2025-01-01', terms: { components: [USAGE] } }), status: 422, field: 'effectiveFrom' },
  // API keys
  { name: 'key with an unknown role', method: 'post', path: () => '/v1/api-keys', body: () => ({ name: 'k', role: 'root' }), status: 422, field: 'role' },
  { name: 'customer key without a customer', method: 'post', path: () => '/v1/api-keys', body: () => ({ name: 'k', role: 'customer' }), status: 422, field: 'customerId' },
  { name: 'admin key bound to a customer', method: 'post', path: (i) => '/v1/api-keys', body: (i) => ({ name: 'k', role: 'vendor_admin', customerId: i.customerId }), status: 422, field: 'customerId' },
  // transport: malformed JSON, oversized body, bad ids and queries
  { name: 'malformed JSON', method: 'post', path: () => '/v1/customers', raw: { contentType: 'application/json', payload: '{"name": "a",' }, status: 400 },
  { name: 'a body over 1 MB', method: 'post', path: () => '/v1/customers', raw: { contentType: 'application/json', payload: JSON.stringify({ name: 'x'.repeat(1_100_000) }) }, status: 413 },
  { name: 'a path id that is not a uuid', method: 'get', path: () => '/v1/contracts/not-a-uuid', status: 400 },
  { name: 'a page size of zero', method: 'get', path: () => '/v1/contracts?limit=0', status: 422, field: 'limit' },
  { name: 'a page size of abc', method: 'get', path: () => '/v1/contracts?limit=abc', status: 422, field: 'limit' },
  { name: 'a forged cursor', method: 'get', path: () => '/v1/contracts?cursor=Zm9yZ2Vk', status: 400 },
  { name: 'an unknown filter', method: 'get', path: () => '/v1/contracts?vendorId=x', status: 422, field: 'vendorId' },
];

describe('bad input on the foundation endpoints', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let adminKey: string;
  let ids: Ids;

  beforeAll(async () => {
    t = await createTestApp();
    adminKey = (await t.createVendor()).adminKey;
    vendor = t.as(adminKey);
    ids = await customerWithContract(vendor);
  });
  afterAll(() => t.close());

  it(`answers each of ${ROWS.length} bad requests with a 4xx problem+json naming the field, and writes nothing`, async () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(30);
    const before = await t.counts(TABLES);
    for (const row of ROWS) {
      const path = row.path(ids);
      let res;
      if (row.raw) {
        res = await t.http().post(path).set('Authorization', `Bearer ${adminKey}`).set('Content-Type', row.raw.contentType).send(row.raw.payload);
      } else if (row.method === 'get') {
        res = await vendor.get(path);
      } else {
        res = await vendor[row.method](path, row.body?.(ids));
      }
      expect({ case: row.name, status: res.status }).toEqual({ case: row.name, status: row.status });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: row.status, type: expect.stringContaining('/problems/'), code: expect.any(String) });
      if (row.field) expect({ case: row.name, fields: (res.body.errors ?? []).map((e: any) => e.field) }).toEqual({ case: row.name, fields: expect.arrayContaining([row.field]) });
    }
    expect(await t.counts(TABLES)).toEqual(before);
  });

  it('replays the first answer for a retried POST with the same Idempotency-Key, and refuses the key for another body', async () => {
    const first = await vendor.post('/v1/customers', { name: 'Once Only Ltd' }, { 'Idempotency-Key': 'cust-1' }).expect(201);
    const again = await vendor.post('/v1/customers', { name: 'Once Only Ltd' }, { 'Idempotency-Key': 'cust-1' }).expect(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await vendor.post('/v1/customers', { name: 'Someone Else' }, { 'Idempotency-Key': 'cust-1' }).expect(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const rows = await t.db.query(`SELECT count(*)::int AS n FROM customers WHERE name = 'Once Only Ltd'`);
    expect(rows[0].n).toBe(1);
  });

  it('releases the Idempotency-Key of a rejected request so a corrected retry goes through', async () => {
    await vendor.post('/v1/customers', { name: '' }, { 'Idempotency-Key': 'cust-2' }).expect(422);
    await vendor.post('/v1/customers', { name: 'Fixed Name' }, { 'Idempotency-Key': 'cust-2' }).expect(201);
  });
});
