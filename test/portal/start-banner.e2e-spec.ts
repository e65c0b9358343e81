import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoSeeder } from '../../src/demo/demo-seeder';
import { portalBanner } from '../../src/portal/portal-banner';
import { createTestApp, TestApp } from '../support/test-app';

describe('the start banner', () => {
  let t: TestApp;
  const dataDir = mkdtempSync(join(tmpdir(), 'ol-banner-'));
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints a working sign-in link for the demo customer and the demo auditor, and the console address', async () => {
    t = await createTestApp();
    const demo = await t.app.get(DemoSeeder).ensureSeeded(dataDir);
    // The radiology contract deems reports accepted from April on, by an amendment (March's seed invoice unchanged).
    const [{ document }] = await t.db.query(
      `SELECT tv.document FROM terms_versions tv JOIN contracts c ON c.vendor_id = tv.vendor_id AND c.id = tv.contract_id
        WHERE c.vendor_id = $1 AND c.name ILIKE '%radiolog%' AND tv.effective_from = '2026-04-01'`,
      [demo.keys.vendorId],
    );
    expect(document.components[0]).toMatchObject({ type: 'per_outcome', objectionWindow: 'PT24H' });
    // The chatbot contract charges once per conversation from April on, by an amendment too.
    const [chatbot] = await t.db.query(
      `SELECT tv.document FROM terms_versions tv JOIN contracts c ON c.vendor_id = tv.vendor_id AND c.id = tv.contract_id
        WHERE c.vendor_id = $1 AND c.name ILIKE '%chatbot%' AND tv.effective_from = '2026-04-01'`,
      [demo.keys.vendorId],
    );
    expect(chatbot.document.components[1]).toMatchObject({ type: 'per_outcome', outcomeType: 'resolution', chargeOncePer: 'conversation' });
    const lines = await portalBanner(t.app, 'http://localhost:3000', demo.keys);
    const link = (who: string) => lines.find((l) => l.trim().startsWith(who))!.split(' : ')[1].trim();
    expect(lines.join('\n')).toContain('http://localhost:3000/portal/console/sign-in');
    for (const [who, home] of [['customer', '/portal/customer'], ['auditor', '/portal/auditor']]) {
      const url = new URL(link(who));
      const signIn = await t.http().get(url.pathname + url.search).expect(303);
      expect(signIn.headers.location).toBe(home);
      const cookie = (signIn.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
      const page = await t.http().get(home).set('Cookie', cookie).expect(200);
      expect(page.text).toContain(who === 'customer' ? 'data-outcome' : 'data-contract');
      await t.http().get(url.pathname + url.search).expect(410); // single-use
    }
  });
});
