import type { Page } from 'playwright-core';
import { createTestApp, TestApp } from '../support/test-app';
import { join } from 'node:path';
import { expectAccessible, expectCleanPages, listen, newTab, openBrowser, SCREENSHOTS, visitInBothLanguages } from './browser';
import { portalLink, portalWorld, PortalWorld } from './support';
import { runBilling } from '../support/billing';

// A customer's day in the portal, in a real headless Chromium against the real app and database.
describe('customer portal in a browser', () => {
  let t: TestApp;
  let base: string;
  let w: PortalWorld;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let page: Page;
  const pagesSeen: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    base = await listen(t);
    w = await portalWorld(t);
    browser = await openBrowser();
    page = await newTab(browser.context, pagesSeen);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const row = (externalId: string) => page.locator(`tr[data-outcome="${externalId}"]`);

  it('signs in through a portal link, verifies three outcomes, rejects one, disputes one, and the API reports exactly those states', async () => {
    const url = await portalLink(w.vendor, { role: 'customer', customerId: w.customerId });
    await page.goto(url);
    expect(new URL(page.url()).pathname).toBe('/portal/customer');
    expect(page.url()).not.toContain('token=');
    await expect(page.locator('tr[data-outcome]').count()).resolves.toBe(6);
    await visitInBothLanguages(page, base, '/portal/customer', 'customer-inbox');

    // Verify three at once, with a reason.
    await page.goto(`${base}/portal/lang?to=en&back=/portal/customer`);
    for (const id of ['saving-1', 'saving-2', 'saving-3']) await row(id).locator('input[name=ids]').check();
    await page.fill('#reason', 'Confirmed against the line QA log');
    await page.click('button[value=verify]');
    await expect(page.locator('.notice').textContent()).resolves.toContain('3 outcomes verified');

    // Reject one, with a reason.
    await row('saving-4').locator('input[name=ids]').check();
    await page.fill('#reason', 'Scrap was caused by a material defect, not caught by the model');
    await page.click('button[value=reject]');
    await expect(page.locator('.notice').textContent()).resolves.toContain('1 outcomes rejected');
    await expect(page.locator('tr[data-outcome]').count()).resolves.toBe(2);

    // Dispute a verified one from its page, which shows its history and how long the window stays open.
    await page.goto(`${base}/portal/customer?tab=verified`);
    await expect(row('saving-2').textContent()).resolves.toMatch(/2\d d \d+ h left to dispute/);
    await row('saving-2').locator('a').first().click();
    await visitInBothLanguages(page, base, new URL(page.url()).pathname, 'customer-outcome');
    await page.fill('#dispute-reason', 'The saving counts a batch that was reworked, not scrapped');
    await page.click('form[action$="/dispute"] button');
    await expect(page.locator('.notice').textContent()).resolves.toContain('Dispute raised');
    await expect(page.locator('table tbody tr').count()).resolves.toBe(3); // recorded → verified → disputed

    const states = new Map<string, string>();
    let cursor = '';
    do {
      const r = await w.vendor.get(`/v1/outcomes?contractId=${w.contractId}&limit=100${cursor}`).expect(200);
      for (const o of r.body.data) states.set(o.externalId, o.status);
      cursor = r.body.nextCursor ? `&cursor=${r.body.nextCursor}` : '';
    } while (cursor);
    expect(Object.fromEntries(states)).toEqual({
      'saving-1': 'verified', 'saving-2': 'disputed', 'saving-3': 'verified', 'saving-4': 'rejected', 'saving-5': 'recorded', 'saving-6': 'recorded',
    });
    const detail = await w.vendor.get(`/v1/outcomes/${w.outcomeIds[3]}`).expect(200);
    expect(detail.body.events.at(-1)).toMatchObject({ toStatus: 'rejected', actorRole: 'customer', reason: expect.stringContaining('material defect') });
  });

  it('shows a statement and an invoice whose figures equal the API’s', async () => {
    await runBilling(w.vendor, { period: '2026-03' });
    const drafts = await w.vendor.get(`/v1/invoices?contractId=${w.contractId}`).expect(200);
    const invoice = (await w.vendor.post(`/v1/invoices/${drafts.body.data[0].id}/finalize`).expect(200)).body;
    const statement = (await w.vendor.get(`/v1/contracts/${w.contractId}/statements/2026-03`).expect(200)).body;

    await page.goto(`${base}/portal/customer/invoices`);
    await visitInBothLanguages(page, base, '/portal/customer/invoices', 'customer-invoices');
    await page.click(`a[href="/portal/customer/invoices/${invoice.id}"]`);
    await visitInBothLanguages(page, base, `/portal/customer/invoices/${invoice.id}`, 'customer-invoice');
    const amount = (sel: string) => page.getAttribute(sel, 'data-amount');
    await expect(amount('[data-total=subtotal]')).resolves.toBe(invoice.subtotal);
    await expect(amount('[data-total=tax]')).resolves.toBe(invoice.tax);
    await expect(amount('[data-total=total]')).resolves.toBe(invoice.total);
    await expect(amount('[data-total=due]')).resolves.toBe(invoice.amountDue);
    for (const l of invoice.lines) await expect(amount(`tr[data-line="${l.key}"] [data-amount]`)).resolves.toBe(l.amount);
    // The figure a reader sees is the API's decimal string, formatted: ¥ and grouped in Chinese.
    await page.goto(`${base}/portal/lang?to=zh-CN&back=/portal/customer/invoices/${invoice.id}`);
    await expect(page.textContent('[data-total=total]')).resolves.toBe(new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' }).format(invoice.total));
    const pdf = await page.request.get(`${base}/portal/customer/invoices/${invoice.id}/pdf`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toContain('application/pdf');

    await visitInBothLanguages(page, base, '/portal/customer/statements', 'customer-statements');
    await page.click(`a[href="/portal/customer/statements/${w.contractId}/2026-03"]`);
    await visitInBothLanguages(page, base, `/portal/customer/statements/${w.contractId}/2026-03`, 'customer-statement');
    for (const [ext, type] of [['pdf', 'application/pdf'], ['csv', 'text/csv']]) {
      const file = await page.request.get(`${base}/portal/customer/statements/${w.contractId}/2026-03.${ext}`);
      expect([file.status(), file.headers()['content-type']]).toEqual([200, expect.stringContaining(type)]);
    }
    const figure = (name: string) => page.getAttribute(`[data-figure=${name}]`, 'data-amount');
    await expect(figure('verifiedValue')).resolves.toBe(statement.verifiedValue);
    await expect(figure('share')).resolves.toBe(statement.fees.share);
    await expect(figure('flat')).resolves.toBe(statement.fees.flat);
    await expect(figure('net')).resolves.toBe(statement.fees.net);
    await expect(figure('netBenefit')).resolves.toBe(statement.netBenefit);
    await expect(figure('tax')).resolves.toBe(statement.tax);

    await visitInBothLanguages(page, base, '/portal/customer/roi?from=2026-03&to=2026-05', 'customer-roi');
    await expect(page.locator('figure.chart svg').count()).resolves.toBe(1);
    await visitInBothLanguages(page, base, '/portal/customer/trust', 'customer-trust');
    const key = (await w.vendor.get('/v1/vendor/signing-key').expect(200)).body;
    await expect(page.textContent('[data-fingerprint]')).resolves.toBe(key.fingerprint);

    // The checkpoint the page shows is the API's; downloaded and pasted back, the ledger still extends it.
    const latest = (await w.vendor.get('/v1/ledger/checkpoints/latest').expect(200)).body;
    await expect(page.textContent('[data-checkpoint-hash]')).resolves.toBe(latest.hash);
    const file = await page.request.get(`${base}/portal/customer/trust/checkpoint.json`);
    expect([file.status(), file.headers()['content-disposition']]).toEqual([200, `attachment; filename="ledger-checkpoint-${latest.sequence}.json"`]);
    const kept = await file.text();
    expect(JSON.parse(kept)).toEqual(latest);
    await page.goto(`${base}/portal/lang?to=en&back=/portal/customer/trust`);
    await page.fill('#kept-checkpoint', kept);
    await page.click('form[action="/portal/customer/trust/verify"] button[type=submit]');
    await expect(page.getAttribute('[data-verify-result]', 'data-verify-result')).resolves.toBe('extended');
    await expect(page.textContent('[data-verify-result]')).resolves.toContain(`entry ${latest.sequence}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'customer-trust-verified.png'), fullPage: true });
    // A checkpoint edited by hand is refused with the reason, not trusted.
    await page.fill('#kept-checkpoint', JSON.stringify({ ...latest, hash: 'f'.repeat(64) }));
    await page.click('form[action="/portal/customer/trust/verify"] button[type=submit]');
    await expect(page.textContent('body')).resolves.toContain('CHECKPOINT_SIGNATURE_INVALID');
  });

  it('answers another customer’s pages with 404, and never shows an API key', async () => {
    const other = await w.vendor.post('/v1/customers', { name: 'Another Factory' }).expect(201);
    const otherContract = await w.vendor
      .post('/v1/contracts', { customerId: other.body.id, name: 'Other', currency: 'CNY', taxRate: '0.06', startsOn: '2026-03-01', status: 'active', terms: { components: [{ type: 'flat_fee', amount: '1.00', per: 'month' }] } })
      .expect(201);
    await runBilling(w.vendor, { period: '2026-03', contractIds: [otherContract.body.id] });
    const otherInvoice = (await w.vendor.get(`/v1/invoices?contractId=${otherContract.body.id}`).expect(200)).body.data[0];
    for (const path of [`/portal/customer/invoices/${otherInvoice.id}`, `/portal/customer/statements/${otherContract.body.id}/2026-03`, '/portal/console', '/portal/auditor']) {
      const res = await page.goto(`${base}${path}`);
      expect([path, res!.status()]).toEqual([path, 404]);
    }
    await visitInBothLanguages(page, base, `/portal/customer/invoices/${otherInvoice.id}`, 'customer-not-found');
    await expectAccessible(page);
    expectCleanPages(pagesSeen);
  });
});
