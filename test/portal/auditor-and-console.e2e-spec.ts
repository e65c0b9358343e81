import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { verifyBundle } from '../../src/audit/verify-bundle';
import { createTestApp, TestApp } from '../support/test-app';
import { expectCleanPages, listen, newTab, openBrowser, SCREENSHOTS, visitInBothLanguages } from './browser';
import { customerWithOutcomes, portalLink, portalWorld, PortalWorld } from './support';

// The vendor runs billing from the console; an auditor downloads a bundle that verifies offline.
describe('vendor console and auditor desk in a browser', () => {
  let t: TestApp;
  let base: string;
  let w: PortalWorld;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let page: Page;
  const pagesSeen: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    base = await listen(t);
    w = await portalWorld(t, 4);
    await customerWithOutcomes(w.vendor, 2, 'Wuxi Bearings');
    // The customer verifies what it was sent, through the API this time.
    const customerKey = await w.vendor.post('/v1/api-keys', { name: 'qa lead', role: 'customer', customerId: w.customerId }).expect(201);
    await t.as(customerKey.body.secret).post('/v1/outcomes/verify', { ids: w.outcomeIds }).expect(200);
    browser = await openBrowser();
    page = await newTab(browser.context, pagesSeen);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('a vendor signs in with its admin key once, runs billing, watches it finish and finalizes a draft', async () => {
    await page.goto(`${base}/portal/console/sign-in`);
    await visitInBothLanguages(page, base, '/portal/console/sign-in', 'console-sign-in');
    await page.goto(`${base}/portal/lang?to=en&back=/portal/console/sign-in`);
    await page.fill('#apiKey', w.adminKey);
    await page.click('button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/portal/console');
    await expect(page.getAttribute('[data-ledger]', 'data-ledger')).resolves.toBe('ok');
    await visitInBothLanguages(page, base, '/portal/console', 'console-overview');

    await page.goto(`${base}/portal/console/billing`);
    await visitInBothLanguages(page, base, '/portal/console/billing', 'console-billing');
    await page.fill('#period', '2026-03');
    await page.click('form[action="/portal/console/billing-runs"] button');
    await page.waitForSelector('[data-run=completed]', { timeout: 30_000 });
    await expect(page.textContent('[data-drafted]')).resolves.toBe('2');
    await visitInBothLanguages(page, base, new URL(page.url()).pathname, 'console-run');

    await page.goto(`${base}/portal/console/invoices?status=draft`);
    await visitInBothLanguages(page, base, '/portal/console/invoices?status=draft', 'console-drafts');
    const drafts = (await w.vendor.get(`/v1/invoices?status=draft&contractId=${w.contractId}`).expect(200)).body.data;
    expect(drafts).toHaveLength(1);
    await page.click(`tr[data-invoice="${drafts[0].id}"] form button`);
    await expect(page.locator('.notice').textContent()).resolves.toMatch(/Invoice INV-\d{4}-\d+ finalized/);
    const finalized = (await w.vendor.get(`/v1/invoices/${drafts[0].id}`).expect(200)).body;
    expect(finalized.status).toBe('finalized');
    await expect(page.locator(`tr[data-invoice="${drafts[0].id}"]`).count()).resolves.toBe(0);

    await visitInBothLanguages(page, base, `/portal/console/invoices/${drafts[0].id}`, 'console-invoice');
    await page.fill('#paidOn', '2026-04-15');
    await page.click('form[action$="/payments"] button');
    await expect(page.locator('.notice').textContent()).resolves.toContain('Payment recorded');
    expect((await w.vendor.get(`/v1/invoices/${drafts[0].id}`).expect(200)).body.status).toBe('paid');

    for (const [path, name] of [
      ['/portal/console/customers', 'console-customers'],
      ['/portal/console/contracts', 'console-contracts'],
      [`/portal/console/contracts/${w.contractId}?period=2026-03`, 'console-contract'],
      ['/portal/console/webhooks', 'console-webhooks'],
      ['/portal/console/links', 'console-links'],
    ])
      await visitInBothLanguages(page, base, path, name);
  });

  it('an auditor signs in through a link, downloads an evidence bundle that the offline verifier accepts, and sees it logged', async () => {
    const url = await portalLink(w.vendor, { role: 'auditor', contractIds: [w.contractId] });
    // Same browser: signing in through the link replaces the console's session cookie.
    const a = await newTab(browser.context, pagesSeen);
    await a.goto(url);
    expect(new URL(a.url()).pathname).toBe('/portal/auditor');
    await expect(a.locator('[data-contract]').count()).resolves.toBe(1); // its grant only, not the second customer's contract
    await visitInBothLanguages(a, base, '/portal/auditor', 'auditor-contracts');

    await a.fill(`#from-${w.contractId}`, '2026-03');
    await a.fill(`#to-${w.contractId}`, '2026-03');
    const [download] = await Promise.all([a.waitForEvent('download'), a.click(`[data-contract="${w.contractId}"] button`)]);
    const zip = join(SCREENSHOTS, 'auditor-bundle.zip');
    await download.saveAs(zip);
    const key = (await w.vendor.get('/v1/vendor/signing-key').expect(200)).body;
    const report = await verifyBundle(zip, { publicKeyPem: key.publicKeyPem });
    expect(report.firstMismatch).toBeNull();
    expect(report).toMatchObject({ ok: true, originProven: true });
    expect(readFileSync(zip).length).toBeGreaterThan(0);

    await visitInBothLanguages(a, base, '/portal/auditor/exports', 'auditor-exports');
    await expect(a.locator('tbody tr').count()).resolves.toBe(1);
    await visitInBothLanguages(a, base, '/portal/auditor/verify-offline', 'auditor-offline');
    await expect(a.textContent('[data-fingerprint]')).resolves.toBe(key.fingerprint);
    // An auditor's session opens no console page and no customer page.
    for (const path of ['/portal/console', '/portal/customer']) expect((await a.goto(`${base}${path}`))!.status()).toBe(404);
    expectCleanPages(pagesSeen);
  });
});
