import { SecretBox } from '../../src/secrets/secret-box';
import { WebhookDestinationPolicy } from '../../src/webhooks/destination-policy';
import { endpointSecretContext } from '../../src/webhooks/endpoint-secret';
import { newWebhookSecret } from '../../src/webhooks/signature';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher';
import { WebhooksService } from '../../src/webhooks/webhooks.service';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { Receiver, startReceiver, stubDns } from './receiver';

/**
 * No WEBHOOK_ALLOWED_HOSTS here: the service's default, where nothing private is reachable.
 * DNS is the one edge replaced: names resolve to what each test says.
 */
describe('webhook destinations: nothing private is reachable, at registration or at delivery', () => {
  let t: TestApp;
  let receiver: Receiver;
  const dns: Record<string, string[]> = {};
  let vendorId: string;
  let vendor: KeyedClient;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await createTestApp({ env: { WEBHOOKS_DISPATCH: 'false' } });
    stubDns(t.app.get(WebhookDestinationPolicy), dns);
    const created = await t.createVendor();
    vendorId = created.vendorId;
    vendor = t.as(created.adminKey);
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });
  beforeEach(() => {
    for (const name of Object.keys(dns)) delete dns[name];
    Object.assign(dns, { 'hooks.example.com': ['93.184.216.34'], 'loopback.example.com': ['127.0.0.1'], 'imds.example.com': ['169.254.169.254'] });
    receiver.received.length = 0;
  });

  const tables = ['webhook_endpoints'];

  it.each([
    [`http://127.0.0.1:PORT/ok`, 'loopback'],
    ['http://10.0.0.8/hook', 'private'],
    ['http://192.168.1.20/hook', 'private'],
    ['http://[::1]:PORT/ok', 'loopback'],
    ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', 'linkLocal'],
    ['http://[fd00:ec2::254]/latest/meta-data/', 'uniqueLocal'],
    ['http://[::ffff:127.0.0.1]:PORT/ok', 'ipv4Mapped'],
    ['http://100.64.1.1/hook', 'carrierGradeNat'],
  ])('refuses to register %s (%s): 422 problem+json naming url, nothing written', async (template, range) => {
    const url = template.replace('PORT', String(receiver.port));
    const before = await t.counts(tables);
    const res = await vendor.post('/v1/webhook-endpoints', { url, eventTypes: ['invoice.paid'] }).expect(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'WEBHOOK_URL_REFUSED', errors: [{ field: 'url', message: `url points at a non-public address (${range})` }] });
    expect(await t.counts(tables)).toEqual(before);
  });

  it.each([
    ['http://localhost:PORT/ok', 'url names the local host or a metadata service'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'url names the local host or a metadata service'],
    ['http://loopback.example.com:PORT/ok', 'url’s host resolves to a non-public address (loopback)'],
    ['http://imds.example.com/latest/meta-data/', 'url’s host resolves to a non-public address (linkLocal)'],
    ['http://unknown.example.com/hook', 'url’s host does not resolve'],
  ])('refuses to register %s by what its name is or resolves to', async (template, message) => {
    const before = await t.counts(tables);
    const res = await vendor.post('/v1/webhook-endpoints', { url: template.replace('PORT', String(receiver.port)), eventTypes: ['invoice.paid'] }).expect(422);
    expect(res.body.errors).toEqual([{ field: 'url', message }]);
    expect(await t.counts(tables)).toEqual(before);
  });

  it('refuses at delivery a name that was public at registration and now resolves to loopback or metadata, and never connects', async () => {
    dns['rebind.example.com'] = ['93.184.216.34'];
    const endpoint = await vendor.post('/v1/webhook-endpoints', { url: `http://rebind.example.com:${receiver.port}/ok`, eventTypes: ['invoice.paid'] }).expect(201);
    const dispatcher = t.app.get(WebhookDispatcher);
    for (const answer of ['127.0.0.1', '169.254.169.254', '::1']) {
      dns['rebind.example.com'] = [answer];
      await t.db.transaction((em) => t.app.get(WebhooksService).enqueue(em, vendorId, 'invoice.paid', { invoiceId: `inv-${answer}` }));
      expect(await dispatcher.dispatchDue(new Date(Date.now() + 1000))).toMatchObject({ attempted: 1, succeeded: 0, retrying: 1 });
    }
    expect(receiver.received).toEqual([]);
    const events = (await vendor.get('/v1/webhook-events').expect(200)).body.data;
    const attempts = events.flatMap((e: any) => e.deliveries.filter((d: any) => d.endpointId === endpoint.body.id).flatMap((d: any) => d.attemptLog));
    expect(attempts).toHaveLength(3);
    for (const a of attempts) expect(a).toMatchObject({ responseStatus: null, succeeded: false, error: 'delivery failed' });
  });

  it('refuses at delivery endpoints stored before this rule that point at loopback or a private network', async () => {
    const box = t.app.get(SecretBox);
    const urls = [`http://127.0.0.1:${receiver.port}/ok`, `http://[::1]:${receiver.port}/ok`, 'http://10.0.0.8/hook', 'http://192.168.1.20/hook', 'http://169.254.169.254/latest/meta-data/'];
    const legacy = await t.createVendor('Registered long ago');
    for (const url of urls) {
      const [{ id }] = await t.db.query(`SELECT uuidv7() AS id`);
      const envelope = await box.seal(newWebhookSecret(), endpointSecretContext(legacy.vendorId, id));
      await t.db.query(`INSERT INTO webhook_endpoints (vendor_id, id, url, secret_envelope, event_types) VALUES ($1, $2, $3, $4::jsonb, '{invoice.paid}')`, [
        legacy.vendorId,
        id,
        url,
        JSON.stringify(envelope),
      ]);
    }
    await t.db.transaction((em) => t.app.get(WebhooksService).enqueue(em, legacy.vendorId, 'invoice.paid', { invoiceId: 'inv-old' }));
    expect(await t.app.get(WebhookDispatcher).dispatchDue(new Date(Date.now() + 1000))).toMatchObject({ attempted: urls.length, succeeded: 0, retrying: urls.length });
    expect(receiver.received).toEqual([]);
    const [event] = (await t.as(legacy.adminKey).get('/v1/webhook-events').expect(200)).body.data;
    expect(event.deliveries.map((d: any) => d.attemptLog[0].error)).toEqual(urls.map(() => 'delivery failed'));
  });

  it('accepts a public destination', async () => {
    const res = await vendor.post('/v1/webhook-endpoints', { url: 'https://hooks.example.com/outcome-ledger', eventTypes: ['invoice.paid'] }).expect(201);
    expect(res.body).toMatchObject({ url: 'https://hooks.example.com/outcome-ledger', active: true });
  });
});
