import { IdempotencyRepository } from '../../src/idempotency/idempotency.repository';
import { outcomeWorld, OutcomeWorld, report } from '../outcomes/outcome-fixtures';
import { issueKey } from '../support/fixtures';
import { WebhookDestinationPolicy } from '../../src/webhooks/destination-policy';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { stubDns } from '../webhooks/receiver';

const key = (k: string) => ({ 'Idempotency-Key': k });

describe('Idempotency-Key', () => {
  let t: TestApp;
  let w: OutcomeWorld;
  let vendor: KeyedClient;

  beforeAll(async () => {
    t = await createTestApp();
    // No DNS here: the webhook endpoint's public name resolves through a stub (the SSRF check resolves every host).
    stubDns(t.app.get(WebhookDestinationPolicy), { 'billing.example.com': ['93.184.216.34'] });
    w = await outcomeWorld(t);
    vendor = w.vendor;
  });
  afterAll(() => t.close());

  const record = (k: string) =>
    t.db.query(`SELECT * FROM idempotency_keys WHERE vendor_id = $1 AND key = $2 ORDER BY route`, [w.vendorId, k]);

  it('replays the first answer to the same API key, with its status code and Idempotent-Replayed: true', async () => {
    const first = await vendor.post('/v1/customers', { name: 'Replay Hospital' }, key('rp-1')).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await vendor.post('/v1/customers', { name: 'Replay Hospital' }, key('rp-1')).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const outcome = await vendor.post(`/v1/contracts/${w.contractId}/outcomes`, report('rp-report')).expect(201);
    const verified = await w.customer.post(`/v1/outcomes/${outcome.body.id}/verify`, {}, key('rp-2')).expect(200);
    const replayed = await w.customer.post(`/v1/outcomes/${outcome.body.id}/verify`, {}, key('rp-2')).expect(200);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(verified.body);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM customers WHERE vendor_id = $1 AND name = 'Replay Hospital'`, [w.vendorId]);
    expect(n).toBe(1);
  });

  it("gives another caller using the same key string its own request: customer X gets its own 404, not customer Y's outcome", async () => {
    const outcome = await vendor.post(`/v1/contracts/${w.contractId}/outcomes`, report('shared-report')).expect(201);
    const path = `/v1/outcomes/${outcome.body.id}/verify`;
    await w.customer.get(`/v1/outcomes/${outcome.body.id}`).expect(200);
    const y = await w.customer.post(path, { reason: 'read it' }, key('shared-1')).expect(200);
    expect(y.body.status).toBe('verified');

    const other = await vendor.post('/v1/customers', { name: 'Another Hospital' }).expect(201);
    const x = t.as(await issueKey(vendor, { role: 'customer', customerId: other.body.id }));
    const stolen = await x.post(path, { reason: 'read it' }, key('shared-1')).expect(404);
    expect(stolen.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(stolen.headers['idempotent-replayed']).toBeUndefined();
    expect(JSON.stringify(stolen.body)).not.toContain('verified');

    // The vendor's own key string on another route is its own request, too.
    const mine = await vendor.post('/v1/customers', { name: 'Shared Key Clinic' }, key('shared-1')).expect(201);
    expect(mine.headers['idempotent-replayed']).toBeUndefined();
    expect((await record('shared-1')).map((r: any) => [r.route, r.key_id === w.customerKeyId])).toEqual([
      ['/v1/customers', false],
      ['/v1/outcomes/:id/verify', true],
    ]);
  });

  it('authorizes a replay again: a key revoked since gets 401, not the stored answer', async () => {
    const second = await vendor.post('/v1/api-keys', { name: 'ops', role: 'vendor_admin' }).expect(201);
    const ops = t.as(second.body.secret);
    await ops.post('/v1/customers', { name: 'Revoked Later Ltd' }, key('rv-1')).expect(201);
    await vendor.post(`/v1/api-keys/${second.body.id}/revoke`).expect(200);
    const replay = await ops.post('/v1/customers', { name: 'Revoked Later Ltd' }, key('rv-1')).expect(401);
    expect(replay.body.code).toBe('API_KEY_INVALID');
    expect(replay.headers['idempotent-replayed']).toBeUndefined();
  });

  it('never keeps an answer that carries a secret: a replay of a key issuance or an endpoint creation gets 409, and only one exists', async () => {
    const issued = await vendor.post('/v1/api-keys', { name: 'issued once', role: 'auditor' }, key('sec-1')).expect(201);
    expect(issued.body.secret).toEqual(expect.any(String));
    const replay = await vendor.post('/v1/api-keys', { name: 'issued once', role: 'auditor' }, key('sec-1')).expect(409);
    expect(replay.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(replay.body.code).toBe('IDEMPOTENT_SECRET_NOT_REPLAYABLE');
    expect(JSON.stringify(replay.body)).not.toContain(issued.body.secret);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM api_keys WHERE vendor_id = $1 AND name = 'issued once'`, [w.vendorId]);
    expect(n).toBe(1);

    const hook = { url: 'https://billing.example.com/hooks/once', eventTypes: ['invoice.finalized'] };
    const created = await vendor.post('/v1/webhook-endpoints', hook, key('sec-2')).expect(201);
    const again = await vendor.post('/v1/webhook-endpoints', hook, key('sec-2')).expect(409);
    expect(again.body.code).toBe('IDEMPOTENT_SECRET_NOT_REPLAYABLE');
    expect((await vendor.get('/v1/webhook-endpoints').expect(200)).body.data.filter((e: any) => e.url === hook.url)).toHaveLength(1);

    const stored = [...(await record('sec-1')), ...(await record('sec-2'))];
    expect(stored.map((r: any) => [r.status_code, r.secret_withheld, r.response_body])).toEqual([
      [201, true, null],
      [201, true, null],
    ]);
    expect(created.body.secret).toEqual(expect.any(String));
    const secrets = [issued.body.secret, created.body.secret];
    const [{ leaks }] = await t.db.query(
      `SELECT count(*)::int AS leaks FROM idempotency_keys WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) s WHERE response_body::text LIKE '%' || s || '%')`,
      [secrets],
    );
    expect(leaks).toBe(0);
  });

  it('expires a record after 24 hours: an expired key runs anew, and the purge deletes expired records', async () => {
    const first = await vendor.post('/v1/customers', { name: 'Expiring Pharmacy' }, key('exp-1')).expect(201);
    const [r] = await record('exp-1');
    expect(new Date(r.expires_at).getTime() - new Date(r.created_at).getTime()).toBe(24 * 3600 * 1000);
    await t.db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'exp-1'`);
    const anew = await vendor.post('/v1/customers', { name: 'Expiring Pharmacy' }, key('exp-1')).expect(201);
    expect(anew.headers['idempotent-replayed']).toBeUndefined();
    expect(anew.body.id).not.toBe(first.body.id);
    expect((await vendor.post('/v1/customers', { name: 'Expiring Pharmacy' }, key('exp-1')).expect(201)).body.id).toBe(anew.body.id);

    await t.db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'exp-1'`);
    expect(await new IdempotencyRepository(t.db).purgeExpired()).toBe(1);
    expect(await record('exp-1')).toEqual([]);
  });

  it('makes concurrent duplicates wait for the first request and replay its answer: one customer', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => vendor.post('/v1/customers', { name: 'Racing Clinic' }, key('race-1'))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(5);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM customers WHERE vendor_id = $1 AND name = 'Racing Clinic'`, [w.vendorId]);
    expect(n).toBe(1);
  });

  it('releases the key of a request the service refused, leaving nothing: the corrected request then runs under it', async () => {
    await vendor.post('/v1/customers', { name: 'Holder', reference: 'REF-TAKEN' }).expect(201);
    const refused = await vendor.post('/v1/customers', { name: 'Newcomer', reference: 'REF-TAKEN' }, key('fix-1')).expect(409);
    expect(refused.body.code).toBe('CUSTOMER_REFERENCE_TAKEN');
    expect(await record('fix-1')).toEqual([]);
    const fixed = await vendor.post('/v1/customers', { name: 'Newcomer', reference: 'REF-FREE' }, key('fix-1')).expect(201);
    expect(fixed.body.reference).toBe('REF-FREE');
    expect((await record('fix-1')).map((r: any) => r.status_code)).toEqual([201]);
  });

  it('refuses the same key for a different request on the same route, naming it', async () => {
    await vendor.post('/v1/customers', { name: 'First Body' }, key('diff-1')).expect(201);
    const other = await vendor.post('/v1/customers', { name: 'Second Body' }, key('diff-1')).expect(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});
