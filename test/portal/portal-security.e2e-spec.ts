import { createTestApp, TestApp } from '../support/test-app';
import { expectNoApiKey } from './browser';
import { customerWithOutcomes, portalLink, portalWorld, PortalWorld } from './support';

const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

// Sign-in, sessions, CSRF and scope, over plain HTTP (what a browser would send, and what it must not be able to).
describe('portal security', () => {
  let t: TestApp;
  let w: PortalWorld;

  beforeAll(async () => {
    t = await createTestApp();
    w = await portalWorld(t, 3);
  });
  afterAll(() => t?.close());

  /** Signs in through a fresh link: the session cookie and the page's CSRF token. */
  async function customerSession(customerId = w.customerId): Promise<{ cookie: string; csrf: string }> {
    const res = await t.http().get(pathOf(await portalLink(w.vendor, { role: 'customer', customerId }))).expect(303);
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('ol_portal='))!.split(';')[0];
    const page = await t.http().get('/portal/customer').set('Cookie', cookie).expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    return { cookie, csrf };
  }

  it('opens a session once per link: a used link, an expired link and a link whose key was revoked are refused', async () => {
    const url = await portalLink(w.vendor, { role: 'customer', customerId: w.customerId });
    const first = await t.http().get(pathOf(url)).expect(303);
    expect(first.headers.location).toBe('/portal/customer');
    const setCookie = (first.headers['set-cookie'] as unknown as string[]).join('\n');
    expect(setCookie).toMatch(/ol_portal=[\w-]{40,}; Max-Age=43200; Path=\/portal; HttpOnly; SameSite=Lax/);
    const again = await t.http().get(pathOf(url)).expect(410);
    expect(again.text).toContain('PORTAL_LINK_INVALID');
    expect(again.headers['set-cookie']).toBeUndefined();

    const expired = await portalLink(w.vendor, { role: 'customer', customerId: w.customerId });
    await t.db.query(`UPDATE portal_links SET created_at = now() - interval '1 hour', expires_at = now() - interval '1 minute' WHERE used_at IS NULL`);
    await t.http().get(pathOf(expired)).expect(410);

    const revoked = await portalLink(w.vendor, { role: 'customer', customerId: w.customerId });
    const [{ key_id }] = await t.db.query(`SELECT key_id FROM portal_links WHERE used_at IS NULL AND expires_at > now()`);
    await w.vendor.post(`/v1/api-keys/${key_id}/revoke`).expect((r) => expect(r.status).toBeLessThan(300));
    await t.http().get(pathOf(revoked)).expect(410);
    await t.http().get('/portal/sign-in?token=not-a-real-token-at-all-xxxxxxxx').expect(410);
    await t.http().get('/portal/sign-in').expect(410);

    // Only digests are stored.
    const token = new URL(url).searchParams.get('token')!;
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM portal_links WHERE token_sha256 = $1`, [token]);
    expect(n).toBe(0);
  });

  it('ends a session on sign-out, after 30 idle minutes and after 12 hours, and when its key is revoked', async () => {
    const s1 = await customerSession();
    await t.http().post('/portal/sign-out').type('form').set('Cookie', s1.cookie).send({ _csrf: s1.csrf }).expect(200);
    await t.http().get('/portal/customer').set('Cookie', s1.cookie).expect(401);

    const s2 = await customerSession();
    await t.db.query(`UPDATE portal_sessions SET last_seen_at = now() - interval '31 minutes' WHERE ended_at IS NULL`);
    await t.http().get('/portal/customer').set('Cookie', s2.cookie).expect(401);

    const s3 = await customerSession();
    await t.db.query(`UPDATE portal_sessions SET expires_at = now() - interval '1 second' WHERE ended_at IS NULL`);
    await t.http().get('/portal/customer').set('Cookie', s3.cookie).expect(401);
    await t.http().get('/portal/customer').expect(401);

    const s4 = await customerSession();
    const [{ key_id }] = await t.db.query(`SELECT key_id FROM portal_sessions WHERE ended_at IS NULL AND expires_at > now()`);
    await w.vendor.post(`/v1/api-keys/${key_id}/revoke`).expect((r) => expect(r.status).toBeLessThan(300));
    await t.http().get('/portal/customer').set('Cookie', s4.cookie).expect(401);
  });

  it('refuses every write without the session’s CSRF token, and changes nothing', async () => {
    const s = await customerSession();
    const ids = w.outcomeIds.slice(0, 2);
    const decide = (body: Record<string, unknown>) => t.http().post('/portal/customer/outcomes/decide').type('form').set('Cookie', s.cookie).send(body);
    await decide({ ids, decision: 'verify' }).expect(403);
    await decide({ ids, decision: 'verify', _csrf: 'x'.repeat(43) }).expect(403);
    const other = await customerSession();
    await decide({ ids, decision: 'verify', _csrf: other.csrf }).expect(403); // another session's token
    await t.http().post('/portal/sign-out').type('form').set('Cookie', s.cookie).expect(403);
    const states = await w.vendor.get(`/v1/outcomes?contractId=${w.contractId}&status=recorded`).expect(200);
    expect(states.body.data).toHaveLength(3);
    // The same form with its token goes through; the header works for scripts too.
    await decide({ ids, decision: 'verify', _csrf: s.csrf }).expect(303);
    await t.http().post('/portal/customer/outcomes/decide').set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf).type('form')
      .send({ ids: w.outcomeIds[2], decision: 'reject', reason: 'not ours' }).expect(303);
    const after = await w.vendor.get(`/v1/outcomes?contractId=${w.contractId}`).expect(200);
    expect(after.body.data.map((o: { status: string }) => o.status).sort()).toEqual(['rejected', 'verified', 'verified']);
  });

  it('answers 404 for another customer’s outcome, statement and invoice, for reads and writes alike', async () => {
    const other = await customerWithOutcomes(w.vendor, 1, 'Another Works');
    const s = await customerSession();
    for (const path of [`/portal/customer/outcomes/${other.outcomeIds[0]}`, `/portal/customer/statements/${other.contractId}/2026-03`, '/portal/auditor', '/portal/console/billing'])
      await t.http().get(path).set('Cookie', s.cookie).expect(404);
    await t.http().post(`/portal/customer/outcomes/${other.outcomeIds[0]}/dispute`).type('form').set('Cookie', s.cookie)
      .send({ _csrf: s.csrf, reason: 'not mine' }).expect(404);
    await t.http().post('/portal/customer/outcomes/decide').type('form').set('Cookie', s.cookie)
      .send({ _csrf: s.csrf, ids: other.outcomeIds[0], decision: 'verify' }).expect(303);
    const o = await w.vendor.get(`/v1/outcomes/${other.outcomeIds[0]}`).expect(200);
    expect(o.body.status).toBe('recorded');
  });

  it('issues links to vendor admins only, for their own customers, naming a bad field, and replays an Idempotency-Key', async () => {
    const customerKey = (await w.vendor.post('/v1/api-keys', { name: 'c', role: 'customer', customerId: w.customerId }).expect(201)).body.secret;
    const foreign = await t.createVendor('Someone else');
    const before = await t.counts(['portal_links', 'api_keys']);
    await t.as(customerKey).post('/v1/portal-links', { role: 'customer', customerId: w.customerId }).expect(403);
    const bad = await w.vendor.post('/v1/portal-links', { role: 'customer' }).expect(422);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'customerId' })]);
    await w.vendor.post('/v1/portal-links', { role: 'auditor', customerId: w.customerId }).expect(422);
    await w.vendor.post('/v1/portal-links', { role: 'customer', customerId: w.customerId, expiresInMinutes: 0 }).expect(422);
    await t.as(foreign.adminKey).post('/v1/portal-links', { role: 'customer', customerId: w.customerId }).expect(404);
    await t.as(foreign.adminKey).post('/v1/portal-links', { role: 'auditor', contractIds: [w.contractId] }).expect(404);
    expect(await t.counts(['portal_links', 'api_keys'])).toEqual(before); // a refused request writes nothing

    const once = await w.vendor.post('/v1/portal-links', { role: 'customer', customerId: w.customerId }, { 'Idempotency-Key': 'link-1' }).expect(201);
    const replay = await w.vendor.post('/v1/portal-links', { role: 'customer', customerId: w.customerId }, { 'Idempotency-Key': 'link-1' }).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(once.body);
    expect((await t.counts(['portal_links'])).portal_links).toBe(before.portal_links + 1);
  });

  it('lets the console in with a live admin key only, and never shows the key again', async () => {
    const form = await t.http().get('/portal/console/sign-in').expect(200);
    const nonceCookie = (form.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    const nonce = /name="_signin" value="([^"]+)"/.exec(form.text)![1];
    const signIn = (apiKey: string, withNonce = true) =>
      t.http().post('/portal/console/sign-in').type('form').set('Cookie', nonceCookie).send(withNonce ? { _signin: nonce, apiKey } : { apiKey });
    await signIn(w.adminKey, false).expect(403); // a form posted from elsewhere
    const customerKey = (await w.vendor.post('/v1/api-keys', { name: 'c2', role: 'customer', customerId: w.customerId }).expect(201)).body.secret;
    await signIn(customerKey).expect(401);
    await signIn('ol_vnd_nonsense').expect(401);
    const ok = await signIn(w.adminKey).expect(303);
    expect(ok.headers.location).toBe('/portal/console');
    const cookie = (ok.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('ol_portal='))!.split(';')[0];
    expect(cookie).not.toContain(w.adminKey);
    for (const path of ['/portal/console', '/portal/console/links', '/portal/console/customers']) {
      const page = await t.http().get(path).set('Cookie', cookie).expect(200);
      expectNoApiKey(page.text);
    }
    await t.http().get('/portal/customer').set('Cookie', cookie).expect(404);
  });

  it('switches language by link and remembers it, from Accept-Language until then, redirecting only inside the portal', async () => {
    const zh = await t.http().get('/portal').set('Accept-Language', 'zh-CN,zh;q=0.9').expect(200);
    expect(zh.text).toContain('<html lang="zh-CN">');
    const en = await t.http().get('/portal').set('Accept-Language', 'en-GB,en;q=0.8').expect(200);
    expect(en.text).toContain('<html lang="en">');
    const sw = await t.http().get('/portal/lang?to=en&back=/portal/customer').expect(303);
    expect(sw.headers.location).toBe('/portal/customer');
    const lang = (sw.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    const remembered = await t.http().get('/portal').set('Cookie', lang).set('Accept-Language', 'zh-CN').expect(200);
    expect(remembered.text).toContain('<html lang="en">');
    for (const back of ['https://evil.example/', '//evil.example/portal', '/v1/customers'])
      expect((await t.http().get(`/portal/lang?to=en&back=${encodeURIComponent(back)}`).expect(303)).headers.location).toBe('/portal');
  });
});
