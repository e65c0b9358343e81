import { Logger } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { backoffMs, MAX_ATTEMPTS, WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher';
import { WebhooksService } from '../../src/webhooks/webhooks.service';
import { issueKey } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { startReceiver } from './receiver';

describe('webhooks: a transactional outbox with signed, retried deliveries', () => {
  let t: TestApp;
  let webhooks: WebhooksService;
  let dispatcher: WebhookDispatcher;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  async function vendorWith(path: string, eventTypes: string[]) {
    const { vendorId, adminKey } = await t.createVendor();
    const vendor = t.as(adminKey);
    const endpoint = await vendor.post('/v1/webhook-endpoints', { url: `${receiver.base}${path}`, eventTypes }).expect(201);
    return { vendorId, vendor, endpoint: endpoint.body };
  }

  const enqueue = (vendorId: string, type: Parameters<WebhooksService['enqueue']>[2], data: Record<string, unknown>) =>
    t.db.transaction((em) => webhooks.enqueue(em, vendorId, type, data));

  const events = async (vendor: KeyedClient, query = '') => (await vendor.get(`/v1/webhook-events${query}`).expect(200)).body.data;

  beforeAll(async () => {
    receiver = await startReceiver();
    // The receiver is on loopback, which webhooks may reach only when the operator allows it.
    t = await createTestApp({ env: { WEBHOOKS_DISPATCH: 'false', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    webhooks = t.app.get(WebhooksService);
    dispatcher = t.app.get(WebhookDispatcher);
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => receiver.server.close(resolve));
  });
  beforeEach(() => {
    receiver.received.length = 0;
  });

  it('registers an endpoint for vendor admins only, shows its secret once, and refuses bad input naming the field', async () => {
    const { vendor, endpoint } = await vendorWith('/ok', ['invoice.finalized', 'invoice.paid']);
    expect(endpoint).toMatchObject({ url: `${receiver.base}/ok`, eventTypes: ['invoice.finalized', 'invoice.paid'], active: true });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const list = await vendor.get('/v1/webhook-endpoints').expect(200);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).not.toHaveProperty('secret');

    const badUrl = await vendor.post('/v1/webhook-endpoints', { url: 'ftp://example.com/x', eventTypes: ['invoice.paid'] }).expect(422);
    expect(badUrl.body.errors.map((e: any) => e.field)).toContain('url');
    const badType = await vendor.post('/v1/webhook-endpoints', { url: `${receiver.base}/ok`, eventTypes: ['invoice.voided'] }).expect(422);
    expect(badType.body.errors.map((e: any) => e.field)).toContain('eventTypes');
    expect((await vendor.get('/v1/webhook-endpoints').expect(200)).body.data).toHaveLength(1);

    const auditor = t.as(await issueKey(vendor, { role: 'auditor' }));
    expect((await auditor.get('/v1/webhook-endpoints').expect(403)).body.code).toBe('ROLE_FORBIDDEN');
    expect((await auditor.get('/v1/webhook-events').expect(403)).body.code).toBe('ROLE_FORBIDDEN');
  });

  it('delivers a committed event once, signed per Standard Webhooks (HMAC-SHA256 of id.timestamp.body), and shows the attempt', async () => {
    const { vendorId, vendor, endpoint } = await vendorWith('/ok', ['invoice.finalized']);
    await enqueue(vendorId, 'invoice.finalized', { invoiceId: 'inv-1', total: '1060.00', currency: 'CNY' });

    expect(await dispatcher.dispatchDue()).toEqual({ attempted: 1, succeeded: 1, retrying: 0, failed: 0 });
    expect(receiver.received).toHaveLength(1);
    const [req] = receiver.received;
    const id = req.headers['webhook-id'] as string;
    const timestamp = req.headers['webhook-timestamp'] as string;
    // Recomputed here, independently of the app's signing code: the key is the secret's base64 part, decoded.
    const key = Buffer.from(endpoint.secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${req.body}`).digest('base64');
    expect(req.headers['webhook-signature']).toBe(`v1,${expected}`);
    expect(new Webhook(endpoint.secret).verify(req.body, req.headers as Record<string, string>)).toEqual(JSON.parse(req.body));
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(req.headers['content-type']).toBe('application/json');
    const body = JSON.parse(req.body);
    expect(body).toEqual({ id, type: 'invoice.finalized', createdAt: expect.any(String), data: { invoiceId: 'inv-1', total: '1060.00', currency: 'CNY' } });

    const [event] = await events(vendor);
    expect(event).toMatchObject({ id, type: 'invoice.finalized', data: body.data });
    expect(event.deliveries).toEqual([
      expect.objectContaining({ endpointId: endpoint.id, status: 'succeeded', attempts: 1, nextAttemptAt: null, deliveredAt: expect.any(String) }),
    ]);
    expect(event.deliveries[0].attemptLog).toEqual([expect.objectContaining({ attempt: 1, responseStatus: 204, error: null, succeeded: true })]);
    expect((await vendor.get(`/v1/webhook-events/${id}`).expect(200)).body.id).toBe(id);

    expect(await dispatcher.dispatchDue()).toMatchObject({ attempted: 0 });
    expect(receiver.received).toHaveLength(1);
  });

  it('writes no event when the transaction that enqueued it rolls back', async () => {
    const { vendorId, vendor } = await vendorWith('/ok', ['invoice.paid']);
    const rollback = t.db.transaction(async (em) => {
      await webhooks.enqueue(em, vendorId, 'invoice.paid', { invoiceId: 'inv-x' });
      throw new Error('payment failed');
    });
    await expect(rollback).rejects.toThrow('payment failed');
    expect(await events(vendor)).toEqual([]);
    expect((await dispatcher.dispatchDue()).attempted).toBe(0);
    expect(receiver.received).toHaveLength(0);
  });

  it('delivers only to active endpoints subscribed to the event’s type', async () => {
    const { vendorId, vendor, endpoint } = await vendorWith('/ok', ['invoice.paid']);
    const disabled = await vendor.post('/v1/webhook-endpoints', { url: `${receiver.base}/ok`, eventTypes: ['credit_note.created'] }).expect(201);
    await vendor.post(`/v1/webhook-endpoints/${disabled.body.id}/disable`).expect(200);
    await enqueue(vendorId, 'outcome.disputed', { outcomeId: 'o-1' });
    await enqueue(vendorId, 'credit_note.created', { creditNoteId: 'cn-1' });
    await enqueue(vendorId, 'invoice.paid', { invoiceId: 'inv-1' });

    const listed = await events(vendor);
    expect(listed.map((e: any) => [e.type, e.deliveries.length])).toEqual([
      ['invoice.paid', 1],
      ['credit_note.created', 0],
      ['outcome.disputed', 0],
    ]);
    expect((await events(vendor, '?type=invoice.paid')).map((e: any) => e.type)).toEqual(['invoice.paid']);
    await dispatcher.dispatchDue();
    expect(receiver.received.map((r) => JSON.parse(r.body).type)).toEqual(['invoice.paid']);
    expect(listed[0].deliveries[0].endpointId).toBe(endpoint.id);
  });

  it('retries a failing endpoint with exponential backoff and marks the delivery failed after the last attempt', async () => {
    const { vendorId, vendor } = await vendorWith('/fail', ['invoice.finalized']);
    await enqueue(vendorId, 'invoice.finalized', { invoiceId: 'inv-9' });
    let clock = new Date(Date.now() + 1000);
    expect(await dispatcher.dispatchDue(clock)).toEqual({ attempted: 1, succeeded: 0, retrying: 1, failed: 0 });

    const gaps: number[] = [];
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      const [event] = await events(vendor);
      const next = new Date(event.deliveries[0].nextAttemptAt);
      gaps.push(next.getTime() - clock.getTime());
      // Not due a moment before its time, due at it.
      expect((await dispatcher.dispatchDue(new Date(next.getTime() - 1000))).attempted).toBe(0);
      clock = next;
      const pass = await dispatcher.dispatchDue(clock);
      expect(pass.attempted).toBe(1);
    }
    expect(gaps).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000]);
    expect(gaps).toEqual(Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => backoffMs(i + 1)));

    const [event] = await events(vendor);
    expect(event.deliveries[0]).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, nextAttemptAt: null, deliveredAt: null });
    expect(event.deliveries[0].attemptLog.map((a: any) => [a.attempt, a.responseStatus, a.succeeded])).toEqual(
      Array.from({ length: MAX_ATTEMPTS }, (_, i) => [i + 1, 500, false]),
    );
    expect(event.deliveries[0].attemptLog[0].error).toBe('delivery failed (HTTP 500)');
    // Every retry carries the same Webhook-Id, so the receiver can de-duplicate.
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([event.id]));
    expect(receiver.received).toHaveLength(MAX_ATTEMPTS);
    expect((await dispatcher.dispatchDue(new Date(clock.getTime() + 3_600_000))).attempted).toBe(0);
  });

  it('delivers on a later attempt once a flaky endpoint recovers, and logs an unreachable endpoint as “delivery failed”, nothing more', async () => {
    const { vendorId, vendor } = await vendorWith('/flaky', ['invoice.paid']);
    await enqueue(vendorId, 'invoice.paid', { invoiceId: 'inv-2' });
    let clock = new Date(Date.now() + 1000);
    for (let i = 0; i < 3; i++) {
      await dispatcher.dispatchDue(clock);
      clock = new Date(clock.getTime() + 3_600_000);
    }
    const [event] = await events(vendor);
    expect(event.deliveries[0]).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(event.deliveries[0].attemptLog.map((a: any) => a.responseStatus)).toEqual([503, 503, 200]);

    // A closed port on loopback: a connection error, retried like any failure. The vendor is not told
    // "connection refused" (that would map the receiver's network); the server log keeps it.
    const closed = await startReceiver();
    await new Promise((resolve) => closed.server.close(resolve));
    const other = await t.createVendor();
    const admin = t.as(other.adminKey);
    await admin.post('/v1/webhook-endpoints', { url: `${closed.base}/ok`, eventTypes: ['invoice.paid'] }).expect(201);
    await enqueue(other.vendorId, 'invoice.paid', { invoiceId: 'inv-3' });
    const serverLog = jest.spyOn(Logger.prototype, 'warn');
    try {
      expect(await dispatcher.dispatchDue(new Date(Date.now() + 1000))).toMatchObject({ attempted: 1, retrying: 1 });
      expect(serverLog.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/^webhook delivery .* failed: .*ECONNREFUSED/)]);
    } finally {
      serverLog.mockRestore();
    }
    const [failing] = await events(admin);
    expect(failing.deliveries[0].attemptLog[0]).toMatchObject({ responseStatus: null, succeeded: false, error: 'delivery failed' });
    const [stored] = await t.db.query(`SELECT error FROM webhook_delivery_attempts WHERE vendor_id = $1`, [other.vendorId]);
    expect(stored.error).toBe('delivery failed');
  });

  it('never sends one delivery twice when two dispatchers run at once', async () => {
    const { vendorId } = await vendorWith('/ok', ['outcome.disputed']);
    for (let i = 0; i < 12; i++) await enqueue(vendorId, 'outcome.disputed', { outcomeId: `o-${i}` });
    // A moment ahead: the JS clock has milliseconds, next_attempt_at microseconds, so a delivery
    // enqueued within the same millisecond would otherwise not yet be due.
    const at = new Date(Date.now() + 5);
    const [a, b] = await Promise.all([dispatcher.dispatchDue(at), dispatcher.dispatchDue(at)]);
    expect(a.attempted + b.attempted).toBe(12);
    expect(receiver.received).toHaveLength(12);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(12);
  });

  it('disabling an endpoint fails its pending deliveries; another vendor sees neither its events nor its endpoints', async () => {
    const { vendorId, vendor, endpoint } = await vendorWith('/fail', ['invoice.paid']);
    await enqueue(vendorId, 'invoice.paid', { invoiceId: 'inv-4' });
    const [event] = await events(vendor);

    const foreign = t.as((await t.createVendor('Someone else')).adminKey);
    await foreign.get(`/v1/webhook-events/${event.id}`).expect(404);
    await foreign.post(`/v1/webhook-endpoints/${endpoint.id}/disable`).expect(404);
    expect((await foreign.get('/v1/webhook-endpoints').expect(200)).body.data).toEqual([]);
    expect(await events(foreign)).toEqual([]);

    const disabled = await vendor.post(`/v1/webhook-endpoints/${endpoint.id}/disable`).expect(200);
    expect(disabled.body).toMatchObject({ active: false, disabledAt: expect.any(String) });
    await vendor.post(`/v1/webhook-endpoints/${endpoint.id}/disable`).expect(200);
    const [after] = await events(vendor);
    expect(after.deliveries[0]).toMatchObject({ status: 'failed', attempts: 0, nextAttemptAt: null });
    await dispatcher.dispatchDue(new Date(Date.now() + 60_000));
    const [still] = await events(vendor);
    expect(still.deliveries[0]).toMatchObject({ status: 'failed', attempts: 0, attemptLog: [] });
    expect(receiver.received.filter((r) => r.headers['webhook-id'] === event.id)).toEqual([]);
  });

  it('the app delivers on its own interval when dispatching is on', async () => {
    const live = await createTestApp({ env: { WEBHOOKS_DISPATCH: 'true', WEBHOOKS_DISPATCH_INTERVAL_MS: '100', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    try {
      const { vendorId, adminKey } = await live.createVendor();
      await live.as(adminKey).post('/v1/webhook-endpoints', { url: `${receiver.base}/ok`, eventTypes: ['invoice.finalized'] }).expect(201);
      await live.db.transaction((em) => live.app.get(WebhooksService).enqueue(em, vendorId, 'invoice.finalized', { invoiceId: 'auto' }));
      const deadline = Date.now() + 10_000;
      while (receiver.received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(receiver.received.map((r) => JSON.parse(r.body).data)).toEqual([{ invoiceId: 'auto' }]);
    } finally {
      await live.close();
    }
  }, 30_000);
});
