jest.setTimeout(300_000);

import { createTestApp, TestApp } from '../support/test-app';
import { portalLink, portalWorld, PortalWorld } from './support';

const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

// The customer's spend page and the console's contract page, over plain HTTP with a portal session.
describe('spend controls in the portal', () => {
  let t: TestApp;
  let w: PortalWorld;

  beforeAll(async () => {
    t = await createTestApp();
    w = await portalWorld(t, 2);
  });
  afterAll(() => t?.close());

  async function customerSession(): Promise<{ cookie: string; csrf: string }> {
    const res = await t.http().get(pathOf(await portalLink(w.vendor, { role: 'customer', customerId: w.customerId }))).expect(303);
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('ol_portal='))!.split(';')[0];
    const page = await t.http().get('/portal/customer/spend').set('Cookie', cookie).expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    return { cookie, csrf };
  }

  it('the customer sets a budget from its spend page; the page shows budget, spent share and crossed thresholds in English and Chinese', async () => {
    const s = await customerSession();
    const before = await t.http().get('/portal/customer/spend').set('Cookie', s.cookie).set('Accept-Language', 'en').expect(200);
    expect(before.text).toContain('No budget set');

    // Without the session's CSRF token nothing is written.
    await t.http().post(`/portal/customer/spend/${w.contractId}`).set('Cookie', s.cookie).type('form').send({ budget: '100000' }).expect(403);
    // A bad threshold is refused naming the field, as the API refuses it.
    const bad = await t.http().post(`/portal/customer/spend/${w.contractId}`).set('Cookie', s.cookie).type('form')
      .send({ _csrf: s.csrf, budget: '100000', thresholds: '50, 2000' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('thresholds');
    expect((await t.counts(['spend_control_versions'])).spend_control_versions).toBe(0);

    // The flat fee (50,000 a month) alone is half of a 100,000 budget: the check on the next verified outcome announces 50 %.
    await t.http().post(`/portal/customer/spend/${w.contractId}`).set('Cookie', s.cookie).type('form')
      .send({ _csrf: s.csrf, budget: '100000', thresholds: '50, 90', hardLimit: 'true' }).expect(303);
    const api = (await w.vendor.get(`/v1/contracts/${w.contractId}/spend-controls`).expect(200)).body;
    expect(api.current).toMatchObject({ budget: '100000.00', thresholds: [50, 90], hardLimit: true, setBy: { role: 'customer' } });

    const en = await t.http().get('/portal/customer/spend').set('Cookie', s.cookie).set('Accept-Language', 'en').expect(200);
    expect(en.text).toContain('Share of budget');
    expect(en.text).toContain('100,000.00');
    expect(en.text).toContain('data-spend-share>50 %'); // the month's flat fee, 50,000 of 100,000
    expect(en.text).toContain('data-spend-crossed>None yet'); // no outcome verified since the budget was set
    const zh = await t.http().get('/portal/customer/spend').set('Cookie', s.cookie).set('Accept-Language', 'zh-CN').expect(200);
    expect(zh.text).toContain('占预算比例');
    expect(zh.text).toContain('已越过的阈值');
  });

  it('shows the thresholds crossed this period on the customer’s page and the console’s contract page', async () => {
    // A verified outcome runs the check: this period's draft (the flat fee) is at 50 % of the budget.
    const key = (await w.vendor.post('/v1/api-keys', { name: 'c', role: 'customer', customerId: w.customerId }).expect(201)).body.secret;
    await t.as(key).post(`/v1/outcomes/${w.outcomeIds[0]}/verify`, {}).expect(200);
    const s = await customerSession();
    const page = await t.http().get('/portal/customer/spend').set('Cookie', s.cookie).set('Accept-Language', 'en').expect(200);
    expect(page.text).toMatch(/data-spend-crossed>50 %/);

    const form = await t.http().get('/portal/console/sign-in').expect(200);
    const nonceCookie = (form.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    const nonce = /name="_signin" value="([^"]+)"/.exec(form.text)![1];
    const ok = await t.http().post('/portal/console/sign-in').type('form').set('Cookie', nonceCookie).send({ _signin: nonce, apiKey: w.adminKey }).expect(303);
    const cookie = (ok.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('ol_portal='))!.split(';')[0];
    const console = await t.http().get(`/portal/console/contracts/${w.contractId}`).set('Cookie', cookie).set('Accept-Language', 'zh-CN').expect(200);
    expect(console.text).toContain('支出控制');
    expect(console.text).toMatch(/data-spend-crossed>50 %/);
    expect(console.text).toContain('¥100,000.00');
  });
});
