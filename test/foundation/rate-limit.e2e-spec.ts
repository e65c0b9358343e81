import { createTestApp, TestApp } from '../support/test-app';

describe('rate limits per API key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
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
});
