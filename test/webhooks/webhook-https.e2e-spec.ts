import { WebhookDestinationPolicy } from '../../src/webhooks/destination-policy';
import { createTestApp, TestApp } from '../support/test-app';
import { stubDns } from './receiver';

/** The service as deployed (NODE_ENV=production, its own master key): webhooks go over https only. */
describe('webhook destinations in production', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { NODE_ENV: 'production', LOG_LEVEL: 'silent', WEBHOOKS_DISPATCH: 'false', SECRETS_MASTER_KEY: 'cHJvZHVjdGlvbi10ZXN0LW1hc3Rlci1rZXktMzJieXQ=' } });
    stubDns(t.app.get(WebhookDestinationPolicy), { 'hooks.example.com': ['93.184.216.34'] });
  });
  afterAll(() => t.close());

  it('refuses an http URL naming url, writes nothing, and accepts the same host over https', async () => {
    const vendor = t.as((await t.createVendor()).adminKey);
    const before = await t.counts(['webhook_endpoints']);
    const res = await vendor.post('/v1/webhook-endpoints', { url: 'http://hooks.example.com/ol', eventTypes: ['invoice.paid'] }).expect(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'WEBHOOK_URL_REFUSED', errors: [{ field: 'url', message: 'url must use https' }] });
    expect(await t.counts(['webhook_endpoints'])).toEqual(before);
    await vendor.post('/v1/webhook-endpoints', { url: 'https://hooks.example.com/ol', eventTypes: ['invoice.paid'] }).expect(201);
  });
});
