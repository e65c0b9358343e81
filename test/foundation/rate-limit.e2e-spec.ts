import { createTestApp, TestApp } from '../support/test-app';

describe('rate limits per API key id, and failed authentication limited per address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '5', AUTH_FAILURE_LIMIT_PER_MINUTE: '5' } });
  });
  afterAll(() => t.close());

  it('answers 429 problem+json once a key exceeds its requests per minute, without slowing other keys', async () => {
    const a = t.as((await t.createVendor('A')).adminKey);
    const b = t.as((await t.createVendor('B')).adminKey);
    for (let i = 0; i < 5; i++) await a.get('/v1/customers').expect(200);
    const limited = await a.get('/v1/customers').expect(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
    await b.get('/v1/customers').expect(200);
  });

  const expectProblem429 = (res: { status: number; headers: Record<string, string> }) => {
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  };

  it('counts one key as one bucket: other spellings of its header are refused, not fresh buckets', async () => {
    const { adminKey } = await t.createVendor();
    for (let i = 0; i < 5; i++) await t.as(adminKey).get('/v1/customers').expect(200);
    const res = await t.as(adminKey).get('/v1/customers');
    expectProblem429(res);
    expect(res.body.code).toBe('RATE_LIMITED');
    for (const scheme of ['bearer ', 'Bearer  ']) expect((await t.http().get('/v1/customers').set('Authorization', `${scheme}${adminKey}`)).status).toBe(401);
  });

  it('answers 429 with Retry-After once an address has failed too often, without looking keys up', async () => {
    const { adminKey } = await t.createVendor();
    const queries: string[] = [];
    const original = t.db.query.bind(t.db);
    // The previous case spent 2 of this address's 5 failures.
    for (let i = 0; i < 3; i++) expect((await t.http().get('/v1/customers').set('Authorization', `Bearer ol_vnd_guess${i}`)).status).toBe(401);
    t.db.query = (async (sql: string, ...rest: unknown[]) => {
      queries.push(sql);
      return original(sql, ...(rest as []));
    }) as typeof t.db.query;
    try {
      for (const auth of ['Bearer ol_vnd_guess9', `Bearer ${adminKey}`, 'bearer x']) {
        const res = await t.http().get('/v1/customers').set('Authorization', auth);
        expectProblem429(res);
        expect(res.body.code).toBe('AUTH_RATE_LIMITED');
      }
      expect(queries.filter((q) => q.includes('api_keys'))).toEqual([]);
    } finally {
      t.db.query = original;
    }
  });
});
