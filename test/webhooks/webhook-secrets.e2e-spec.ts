import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { WebhookDestinationPolicy } from '../../src/webhooks/destination-policy';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher';
import { WebhooksService } from '../../src/webhooks/webhooks.service';
import { issueKey } from '../support/fixtures';
import { everyRowAsText } from '../support/database-text';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { Received, Receiver, startReceiver, stubDns } from './receiver';

/** The spec's own library, as a receiver would run it. Returns the verified payload or throws. */
const verifyWithLibrary = (secret: string, r: Received) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>);

describe('webhook secrets: Standard Webhooks signatures, encrypted at rest, rotated with an overlap', () => {
  let t: TestApp;
  let receiver: Receiver;
  let dispatcher: WebhookDispatcher;
  let webhooks: WebhooksService;
  const lookups: string[] = [];

  async function vendorWith(url = `${receiver.base}/ok`) {
    const { vendorId, adminKey } = await t.createVendor();
    const vendor = t.as(adminKey);
    const endpoint = (await vendor.post('/v1/webhook-endpoints', { url, eventTypes: ['invoice.paid'] }).expect(201)).body;
    return { vendorId, vendor, endpoint };
  }

  /** Enqueues one event and delivers it (at `clock`), answering what the receiver got. */
  async function deliverOne(vendorId: string, clock = new Date(Date.now() + 1000)): Promise<Received> {
    receiver.received.length = 0;
    await t.db.transaction((em) => webhooks.enqueue(em, vendorId, 'invoice.paid', { invoiceId: `inv-${randomBytes(3).toString('hex')}`, amount: '1060.00' }));
    expect(await dispatcher.dispatchDue(clock)).toMatchObject({ attempted: 1, succeeded: 1 });
    expect(receiver.received).toHaveLength(1);
    return receiver.received[0];
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await createTestApp({ env: { WEBHOOKS_DISPATCH: 'false', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    dispatcher = t.app.get(WebhookDispatcher);
    webhooks = t.app.get(WebhooksService);
    // `receiver.test` (a reserved name no real resolver answers) is the local receiver.
    stubDns(t.app.get(WebhookDestinationPolicy), { 'receiver.test': ['127.0.0.1'] }, lookups);
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });
  beforeEach(() => {
    lookups.length = 0;
  });

  it('real deliveries verify with the standardwebhooks library and the whsec_ secret shown at registration', async () => {
    const { vendorId, endpoint } = await vendorWith();
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    for (let i = 0; i < 3; i++) {
      const got = await deliverOne(vendorId);
      expect(got.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(verifyWithLibrary(endpoint.secret, got)).toMatchObject({ id: got.headers['webhook-id'], type: 'invoice.paid', data: { amount: '1060.00' } });
      // A changed body or another secret does not verify.
      expect(() => new Webhook(endpoint.secret).verify(got.body.replace('1060.00', '9060.00'), got.headers as Record<string, string>)).toThrow(
        'No matching signature found',
      );
      expect(() => verifyWithLibrary(`whsec_${randomBytes(32).toString('base64')}`, got)).toThrow('No matching signature found');
    }
  });

  it('connects to the address it checked: one lookup per attempt, and the socket never resolves the name again', async () => {
    // If the HTTP client resolved `receiver.test` itself, it would fail (ENOTFOUND): delivery proves the pin.
    const { vendorId, endpoint } = await vendorWith(`http://receiver.test:${receiver.port}/ok`);
    expect(lookups).toEqual(['receiver.test']);
    const got = await deliverOne(vendorId);
    expect(lookups).toEqual(['receiver.test', 'receiver.test']);
    expect(got.headers.host).toBe(`receiver.test:${receiver.port}`);
    expect(verifyWithLibrary(endpoint.secret, got)).toBeTruthy();
  });

  it('does not follow a redirect: a 302 is a failed attempt and the target is never called', async () => {
    const { vendorId, vendor, endpoint } = await vendorWith(`${receiver.base}/redirect`);
    receiver.received.length = 0;
    await t.db.transaction((em) => webhooks.enqueue(em, vendorId, 'invoice.paid', { invoiceId: 'inv-r' }));
    expect(await dispatcher.dispatchDue(new Date(Date.now() + 1000))).toMatchObject({ attempted: 1, retrying: 1 });
    expect(receiver.received.map((r) => r.path)).toEqual(['/redirect']);
    const [event] = (await vendor.get('/v1/webhook-events').expect(200)).body.data;
    expect(event.deliveries[0].attemptLog[0]).toMatchObject({ responseStatus: 302, error: 'delivery failed (HTTP 302)', succeeded: false });
    await vendor.post(`/v1/webhook-endpoints/${endpoint.id}/disable`).expect(200); // no retry left behind for the next tests
  });

  it('rotates a secret: the new one is shown once, both sign during the overlap, only the new one after it', async () => {
    const { vendorId, vendor, endpoint } = await vendorWith();
    const rotated = await vendor.post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { overlapSeconds: 3600 }).expect(200);
    const newSecret: string = rotated.body.secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(endpoint.secret);
    const expires = new Date(rotated.body.previousSecretExpiresAt).getTime();
    expect(Math.abs(expires - (Date.now() + 3600_000))).toBeLessThan(30_000);
    const [listed] = (await vendor.get('/v1/webhook-endpoints').expect(200)).body.data;
    expect(listed).not.toHaveProperty('secret');
    expect(listed.previousSecretExpiresAt).toBe(rotated.body.previousSecretExpiresAt);

    // During the overlap: two space-separated signatures; a receiver on either secret accepts.
    const during = await deliverOne(vendorId);
    expect((during.headers['webhook-signature'] as string).split(' ')).toHaveLength(2);
    expect(verifyWithLibrary(endpoint.secret, during)).toBeTruthy();
    expect(verifyWithLibrary(newSecret, during)).toBeTruthy();

    // After it (the dispatcher's clock past the window): the old secret no longer verifies.
    const after = await deliverOne(vendorId, new Date(expires + 1000));
    expect((after.headers['webhook-signature'] as string).split(' ')).toHaveLength(1);
    expect(verifyWithLibrary(newSecret, after)).toBeTruthy();
    expect(() => verifyWithLibrary(endpoint.secret, after)).toThrow('No matching signature found');
  });

  it('defaults the overlap to 24 hours, ends it at once with overlapSeconds 0, and keeps at most two secrets', async () => {
    const { vendorId, vendor, endpoint } = await vendorWith();
    const first = await vendor.post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`).expect(200);
    expect(Math.abs(new Date(first.body.previousSecretExpiresAt).getTime() - (Date.now() + 24 * 3600_000))).toBeLessThan(30_000);
    const second = await vendor.post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {}).expect(200);
    const got = await deliverOne(vendorId);
    expect(verifyWithLibrary(second.body.secret, got)).toBeTruthy();
    expect(verifyWithLibrary(first.body.secret, got)).toBeTruthy();
    expect(() => verifyWithLibrary(endpoint.secret, got)).toThrow('No matching signature found');

    const now = await vendor.post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { overlapSeconds: 0 }).expect(200);
    expect(now.body.previousSecretExpiresAt).toBeNull();
    const only = await deliverOne(vendorId);
    expect((only.headers['webhook-signature'] as string).split(' ')).toHaveLength(1);
    expect(verifyWithLibrary(now.body.secret, only)).toBeTruthy();
  });

  it('refuses a bad overlap naming the field, another vendor’s endpoint (404) and non-admin keys, changing nothing', async () => {
    const { vendor, endpoint } = await vendorWith();
    const before = await t.db.query(`SELECT secret_envelope, previous_secret_envelope FROM webhook_endpoints WHERE id = $1`, [endpoint.id]);
    for (const overlapSeconds of [-1, 'soon', 1.5, 8 * 24 * 3600]) {
      const res = await vendor.post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { overlapSeconds }).expect(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('overlapSeconds');
    }
    const foreign = t.as((await t.createVendor('Someone else')).adminKey);
    await foreign.post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`).expect(404);
    const auditor = t.as(await issueKey(vendor, { role: 'auditor' }));
    expect((await auditor.post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`).expect(403)).body.code).toBe('AUDITOR_READ_ONLY');
    const customer = t.as(await issueKey(vendor, { role: 'customer', customerId: (await vendor.post('/v1/customers', { name: 'Acme' }).expect(201)).body.id }));
    expect((await customer.post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`).expect(403)).body.code).toBe('ROLE_FORBIDDEN');
    expect(await t.db.query(`SELECT secret_envelope, previous_secret_envelope FROM webhook_endpoints WHERE id = $1`, [endpoint.id])).toEqual(before);
  });

  it('stores no secret in clear: no table row holds the whsec_ string, its key bytes in base64 or hex', async () => {
    const { vendor, endpoint } = await vendorWith();
    const rotated = (await vendor.post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`).expect(200)).body.secret as string;
    const dump = await everyRowAsText(t);
    expect(dump).toContain(endpoint.id);
    for (const secret of [endpoint.secret as string, rotated]) {
      const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
      for (const needle of [secret, secret.slice('whsec_'.length), key.toString('hex'), key.toString('base64url')]) expect(dump).not.toContain(needle);
    }
    const [row] = await t.db.query(`SELECT secret, secret_envelope FROM webhook_endpoints WHERE id = $1`, [endpoint.id]);
    expect(row.secret).toBeNull();
    expect(row.secret_envelope).toMatchObject({ v: 1, alg: 'A256GCM', kek: expect.stringMatching(/^local:[0-9a-f]{16}$/) });
  });

  it('encrypts the plaintext secrets of endpoints registered before encryption at rest, once, and keeps signing with them', async () => {
    const { vendorId, adminKey } = await t.createVendor('Upgraded');
    // A database as the migration leaves it: old rows still plaintext (the check is NOT VALID for them).
    const legacySecret = `whsec_${randomBytes(24).toString('base64url')}`;
    await t.db.query(`ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_no_plaintext_secret`);
    const [{ id }] = await t.db.query(
      `INSERT INTO webhook_endpoints (vendor_id, url, secret, event_types) VALUES ($1, $2, $3, '{invoice.paid}') RETURNING id`,
      [vendorId, `${receiver.base}/ok`, legacySecret],
    );
    await t.db.query(`ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_no_plaintext_secret CHECK (secret IS NULL AND secret_envelope IS NOT NULL) NOT VALID`);

    expect(await webhooks.encryptLegacySecrets()).toBe(1);
    expect(await webhooks.encryptLegacySecrets()).toBe(0);
    const [row] = await t.db.query(`SELECT secret, secret_envelope FROM webhook_endpoints WHERE id = $1`, [id]);
    expect(row).toMatchObject({ secret: null, secret_envelope: { v: 1 } });
    expect(await everyRowAsText(t)).not.toContain(legacySecret.slice('whsec_'.length));
    // Now every row satisfies the rule: it can be validated.
    await t.db.query(`ALTER TABLE webhook_endpoints VALIDATE CONSTRAINT webhook_endpoints_no_plaintext_secret`);

    const got = await deliverOne(vendorId);
    const key = Buffer.from(legacySecret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${got.headers['webhook-id']}.${got.headers['webhook-timestamp']}.${got.body}`).digest('base64');
    expect(got.headers['webhook-signature']).toBe(`v1,${expected}`);
    await t.as(adminKey).get('/v1/webhook-endpoints').expect(200);
  });
});
