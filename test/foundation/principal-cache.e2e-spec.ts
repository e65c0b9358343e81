jest.setTimeout(60_000);

import { createTestApp, KeyedClient, TestApp } from '../support/test-app';

// Issue #16 item 4: a resolved API key is kept for AUTH_CACHE_TTL_MS. Revoked through this
// process it stops at once; revoked elsewhere (another worker, the CLI: here a direct UPDATE),
// it stops within the lifetime.
describe('the principal cache', () => {
  let t: TestApp;
  let vendor: KeyedClient;

  beforeAll(async () => {
    t = await createTestApp({ env: { AUTH_CACHE_TTL_MS: '1500' } });
    vendor = t.as((await t.createVendor('Cached keys')).adminKey);
  });
  afterAll(async () => {
    delete process.env.AUTH_CACHE_TTL_MS;
    await t.close();
  });

  async function auditorKey(name: string): Promise<{ id: string; client: KeyedClient }> {
    const res = await vendor.post('/v1/api-keys', { name, role: 'auditor' }).expect(201);
    return { id: res.body.id, client: t.as(res.body.secret) };
  }

  it('refuses a key revoked through the API at once, though it was just resolved', async () => {
    const k = await auditorKey('revoked here');
    await k.client.get('/v1/contracts').expect(200);
    await vendor.post(`/v1/api-keys/${k.id}/revoke`).expect(200);
    const res = await k.client.get('/v1/contracts').expect(401);
    expect(res.body.code).toBe('API_KEY_INVALID');
  });

  it('refuses a key revoked by another process within the cache lifetime, and a new key works at once', async () => {
    const k = await auditorKey('revoked elsewhere');
    await k.client.get('/v1/contracts').expect(200);
    await t.db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [k.id]);
    await k.client.get('/v1/contracts').expect(200); // still cached in this process
    await new Promise((r) => setTimeout(r, 1600));
    expect((await k.client.get('/v1/contracts').expect(401)).body.code).toBe('API_KEY_INVALID');
    const fresh = await auditorKey('new');
    await fresh.client.get('/v1/contracts').expect(200);
  });
});
