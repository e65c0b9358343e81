import { createTestApp, TestApp } from '../support/test-app';

describe('HSTS and client addresses behind a trusted TLS proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: 'loopback', AUTH_FAILURE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(() => t.close());

  it('sends HSTS only when the proxy says the request came over HTTPS', async () => {
    const tls = await t.http().get('/health').set('X-Forwarded-Proto', 'https');
    expect(tls.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect((await t.http().get('/health')).headers['strict-transport-security']).toBeUndefined();
  });

  it('limits failed authentications per forwarded client address', async () => {
    const from = (ip: string) => t.http().get('/v1/customers').set('X-Forwarded-For', ip).set('Authorization', 'Bearer ol_vnd_guess');
    for (let i = 0; i < 3; i++) expect((await from('203.0.113.9')).status).toBe(401);
    const limited = await from('203.0.113.9');
    expect(limited.status).toBe(429);
    expect((await from('198.51.100.4')).status).toBe(401);
  });
});
