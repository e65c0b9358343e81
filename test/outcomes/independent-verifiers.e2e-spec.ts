import { createTestApp, KeyedClient, TestApp } from '../support/test-app';

/**
 * Independent verifiers (#15 item 4): the traffic bureau decides the congestion KPI, an assessor
 * the savings, the customer its reports; each key decides only what the terms give it.
 */
const TERMS = {
  components: [
    { type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer' },
    { type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'third_party', verifier: 'independent-assessor' },
    {
      type: 'flat_fee', amount: '100000.00', per: 'month',
      guarantee: { kpi: 'congestion_reduction_pct', comparator: 'gte', threshold: '10', multiplierIfMissed: '0.5' },
    },
  ],
  outcomeTypes: { congestion_reduction_pct: { verification: 'third_party', verifier: 'sz-traffic-bureau' } },
};

describe('independent verifiers', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let customer: KeyedClient;
  let bureau: KeyedClient;
  let assessor: KeyedClient;
  let auditor: KeyedClient;
  let contractId: string;
  let bureauId: string;
  let bureauKeyId: string;
  let seq = 0;

  beforeAll(async () => {
    t = await createTestApp();
    const v = await t.createVendor();
    vendor = t.as(v.adminKey);
    const b = await vendor.post('/v1/verifiers', { key: 'sz-traffic-bureau', name: 'Shenzhen Traffic Bureau' }).expect(201);
    bureauId = b.body.id;
    const a = await vendor.post('/v1/verifiers', { key: 'independent-assessor', name: 'Independent Assessor Ltd' }).expect(201);
    const c = await vendor.post('/v1/customers', { name: 'Shenzhen Transport Commission' }).expect(201);
    const contract = await vendor
      .post('/v1/contracts', {
        customerId: c.body.id, name: 'Signal optimiser', currency: 'CNY', timezone: 'Asia/Shanghai', taxRate: '0.06',
        startsOn: '2026-03-01', status: 'active', terms: TERMS,
      })
      .expect(201);
    contractId = contract.body.id;
    const bk = await vendor.post('/v1/api-keys', { name: 'bureau', role: 'verifier', verifierId: bureauId }).expect(201);
    expect(bk.body).toMatchObject({ role: 'verifier', verifierId: bureauId, customerId: null });
    bureauKeyId = bk.body.id;
    bureau = t.as(bk.body.secret);
    assessor = t.as((await vendor.post('/v1/api-keys', { name: 'assessor', role: 'verifier', verifierId: a.body.id }).expect(201)).body.secret);
    customer = t.as((await vendor.post('/v1/api-keys', { name: 'commission', role: 'customer', customerId: c.body.id }).expect(201)).body.secret);
    auditor = t.as((await vendor.post('/v1/api-keys', { name: 'audit', role: 'auditor' }).expect(201)).body.secret);
  });
  afterAll(() => t.close());

  const record = async (type: 'kpi' | 'report' | 'savings') => {
    const body =
      type === 'kpi'
        ? { externalId: `k-${seq++}`, type: 'congestion_reduction_pct', quantity: '18', occurredAt: '2026-03-31T12:00:00+08:00' }
        : type === 'savings'
          ? { externalId: `s-${seq++}`, type: 'savings', value: '1000.00', occurredAt: '2026-03-10T12:00:00+08:00' }
          : { externalId: `r-${seq++}`, type: 'report', occurredAt: '2026-03-10T12:00:00+08:00' };
    const res = await vendor.post(`/v1/contracts/${contractId}/outcomes`, body).expect(201);
    expect(res.body.status).toBe('recorded');
    return res.body.id as string;
  };
  const counts = () => t.counts(['outcomes', 'outcome_events']);

  it('lets the named verifier’s key verify its KPI, and the event names the key and the verifier', async () => {
    const id = await record('kpi');
    const res = await bureau.post(`/v1/outcomes/${id}/verify`, { reason: 'loop detector report 2026-03' }).expect(200);
    expect(res.body.status).toBe('verified');
    expect(res.body.events.at(-1)).toMatchObject({
      fromStatus: 'recorded', toStatus: 'verified', actorRole: 'verifier', actorKeyId: bureauKeyId, actorVerifierId: bureauId,
    });
    expect(res.body.events[0]).toMatchObject({ actorRole: 'vendor_admin', actorVerifierId: null });
  });

  it('lets the named verifier reject a claim it does not confirm', async () => {
    const id = await record('kpi');
    const res = await bureau.post(`/v1/outcomes/${id}/reject`, { reason: 'sensor outage' }).expect(200);
    expect(res.body.status).toBe('rejected');
  });

  it('refuses the customer, another verifier, the vendor and an auditor on the bureau’s KPI, writing nothing', async () => {
    const id = await record('kpi');
    const before = await counts();
    const byCustomer = await customer.post(`/v1/outcomes/${id}/verify`, {}).expect(403);
    expect(byCustomer.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(byCustomer.body).toMatchObject({ code: 'OUTCOME_DECIDED_BY_VERIFIER', verifierId: bureauId, verifierKey: 'sz-traffic-bureau' });
    expect((await customer.post(`/v1/outcomes/${id}/reject`, { reason: 'no' }).expect(403)).body.code).toBe('OUTCOME_DECIDED_BY_VERIFIER');
    expect((await assessor.post(`/v1/outcomes/${id}/verify`, {}).expect(403)).body.code).toBe('VERIFIER_NOT_ASSIGNED');
    expect((await vendor.post(`/v1/outcomes/${id}/verify`, {}).expect(403)).body.code).toBe('VERIFICATION_NOT_ALLOWED_FOR_ROLE');
    expect((await auditor.post(`/v1/outcomes/${id}/verify`, {}).expect(403)).body.code).toBe('AUDITOR_READ_ONLY');
    expect(await counts()).toEqual(before);
    expect((await vendor.get(`/v1/outcomes/${id}`).expect(200)).body.status).toBe('recorded');
  });

  it('gives each verifier only its own types, and the customer its own', async () => {
    const savings = await record('savings');
    const report = await record('report');
    expect((await bureau.post(`/v1/outcomes/${savings}/verify`, {}).expect(403)).body.code).toBe('VERIFIER_NOT_ASSIGNED');
    expect((await bureau.post(`/v1/outcomes/${report}/verify`, {}).expect(403)).body.code).toBe('VERIFIER_NOT_ASSIGNED');
    expect((await customer.post(`/v1/outcomes/${savings}/verify`, {}).expect(403)).body.code).toBe('OUTCOME_DECIDED_BY_VERIFIER');
    await assessor.post(`/v1/outcomes/${savings}/verify`, {}).expect(200);
    await customer.post(`/v1/outcomes/${report}/verify`, {}).expect(200);
  });

  it('decides in bulk only what the caller may, naming the code of each refusal', async () => {
    const kpi = await record('kpi');
    const report = await record('report');
    const res = await bureau.post('/v1/outcomes/verify', { ids: [kpi, report] }).expect(200);
    expect(res.body).toEqual({ verified: 1, failed: [{ id: report, code: 'VERIFIER_NOT_ASSIGNED' }] });
    const kpi2 = await record('kpi');
    const byCustomer = await customer.post('/v1/outcomes/reject', { ids: [kpi2, report], reason: 'not ours' }).expect(200);
    expect(byCustomer.body).toEqual({ rejected: 1, failed: [{ id: kpi2, code: 'OUTCOME_DECIDED_BY_VERIFIER' }] });
    expect((await vendor.get(`/v1/outcomes/${kpi2}`).expect(200)).body.status).toBe('recorded');
  });

  it('leaves disputes to the customer: it may dispute what the verifier verified, the verifier may not', async () => {
    const id = await record('kpi');
    await bureau.post(`/v1/outcomes/${id}/verify`, {}).expect(200);
    expect((await bureau.post(`/v1/outcomes/${id}/dispute`, { reason: 'x' }).expect(403)).body.code).toBe('ROLE_FORBIDDEN');
    const res = await customer.post(`/v1/outcomes/${id}/dispute`, { reason: 'our own counts show 7%' }).expect(200);
    expect(res.body.status).toBe('disputed');
  });

  it('keeps verifier keys out of everything else: reads, recording, the vendor’s routes', async () => {
    for (const path of ['/v1/outcomes', '/v1/contracts', `/v1/contracts/${contractId}`, '/v1/invoices', '/v1/verifiers'])
      expect((await bureau.get(path).expect(403)).body.code).toBe('ROLE_FORBIDDEN');
    await bureau.post(`/v1/contracts/${contractId}/outcomes`, { externalId: 'x', type: 'report', occurredAt: '2026-03-10T12:00:00+08:00' }).expect(403);
    await bureau.post('/v1/verifiers', { key: 'self-made', name: 'x' }).expect(403);
  });

  it('binds a verifier key to one registered verifier of the vendor', async () => {
    const missing = await vendor.post('/v1/api-keys', { name: 'x', role: 'verifier' }).expect(422);
    expect(missing.body).toMatchObject({ code: 'VERIFIER_REQUIRED', errors: [{ field: 'verifierId' }] });
    await vendor.post('/v1/api-keys', { name: 'x', role: 'customer', verifierId: bureauId }).expect(422);
    const other = t.as((await t.createVendor()).adminKey);
    await other.post('/v1/api-keys', { name: 'x', role: 'verifier', verifierId: bureauId }).expect(404);
    expect((await other.get(`/v1/verifiers/${bureauId}`).expect(404)).body.code).toBeDefined();
  });

  it('answers another vendor’s verifier key with not found on these outcomes', async () => {
    const id = await record('kpi');
    const other = t.as((await t.createVendor()).adminKey);
    const v = await other.post('/v1/verifiers', { key: 'sz-traffic-bureau', name: 'Shenzhen Traffic Bureau' }).expect(201);
    const key = t.as((await other.post('/v1/api-keys', { name: 'b', role: 'verifier', verifierId: v.body.id }).expect(201)).body.secret);
    await key.post(`/v1/outcomes/${id}/verify`, {}).expect(404);
  });

  it('registers a verifier key once per vendor and refuses a malformed key', async () => {
    expect((await vendor.post('/v1/verifiers', { key: 'sz-traffic-bureau', name: 'Again' }).expect(409)).body.code).toBe('VERIFIER_KEY_TAKEN');
    const bad = await vendor.post('/v1/verifiers', { key: 'Shenzhen Bureau', name: 'x' }).expect(422);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    const list = await vendor.get('/v1/verifiers').expect(200);
    expect(list.body.map((v: any) => v.key)).toEqual(['independent-assessor', 'sz-traffic-bureau']);
  });

  it('refuses new terms naming by key a verifier nobody registered, with every wrong field, writing nothing', async () => {
    const c = await vendor.post('/v1/customers', { name: 'Nanshan district' }).expect(201);
    const terms = {
      components: [
        { type: 'value_share', rate: '1.5', outcomeType: 'savings', verification: 'third_party', verifier: 'independent-asessor' },
      ],
      outcomeTypes: { congestion_reduction_pct: { verification: 'third_party', verifier: 'sz-trafic-bureau' } },
    };
    const before = await t.counts(['contracts', 'terms_versions']);
    const res = await vendor
      .post('/v1/contracts', { customerId: c.body.id, name: 'Nanshan', currency: 'CNY', taxRate: '0.06', startsOn: '2026-03-01', terms })
      .expect(422);
    expect(res.body.code).toBe('TERMS_INVALID');
    expect(res.body.errors.map((e: any) => e.field)).toEqual([
      'terms.components[0].rate', 'terms.components[0].verifier', 'terms.outcomeTypes.congestion_reduction_pct.verifier',
    ]);
    expect(res.body.errors[1].message).toContain('"independent-asessor"');
    const amend = await vendor.post(`/v1/contracts/${contractId}/terms`, { effectiveFrom: '2026-06-01', terms: { ...TERMS, outcomeTypes: terms.outcomeTypes } }).expect(422);
    expect(amend.body.errors).toEqual([
      { field: 'terms.outcomeTypes.congestion_reduction_pct.verifier', message: expect.stringContaining('"sz-trafic-bureau"') },
    ]);
    expect(await t.counts(['contracts', 'terms_versions'])).toEqual(before);
    // A free name (not shaped like a key) stays valid: the customer decides those, as before verifiers existed.
    const legacy = { ...TERMS, outcomeTypes: { congestion_reduction_pct: { verification: 'third_party', verifier: 'Shenzhen Traffic Bureau' } } };
    await vendor
      .post('/v1/contracts', { customerId: c.body.id, name: 'Nanshan', currency: 'CNY', taxRate: '0.06', startsOn: '2026-03-01', terms: legacy })
      .expect(201);
  });

  it('also accepts terms that name the verifier by its id', async () => {
    const c = await vendor.post('/v1/customers', { name: 'Futian district' }).expect(201);
    const terms = { ...TERMS, outcomeTypes: { congestion_reduction_pct: { verification: 'third_party', verifier: bureauId } } };
    const contract = await vendor
      .post('/v1/contracts', { customerId: c.body.id, name: 'Futian', currency: 'CNY', taxRate: '0.06', startsOn: '2026-03-01', status: 'active', terms })
      .expect(201);
    const o = await vendor
      .post(`/v1/contracts/${contract.body.id}/outcomes`, { externalId: 'f-1', type: 'congestion_reduction_pct', quantity: '12', occurredAt: '2026-03-31T12:00:00+08:00' })
      .expect(201);
    await assessor.post(`/v1/outcomes/${o.body.id}/verify`, {}).expect(403);
    await bureau.post(`/v1/outcomes/${o.body.id}/verify`, {}).expect(200);
  });
});
