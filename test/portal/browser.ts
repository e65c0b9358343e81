import AxeBuilder from '@axe-core/playwright';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { TestApp } from '../support/test-app';

export const SCREENSHOTS = join(__dirname, '..', '..', 'test-output', 'portal');

/** Debian's chromium, driven by playwright-core (which downloads no browser of its own). */
export async function openBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'ol-portal-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A tab that accepts confirmation dialogs (as a user clicking OK) and keeps the HTML of every page
 * it loads, for the checks that hold on all of them (`expectCleanPages`).
 */
export async function newTab(context: BrowserContext, pagesSeen: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on('dialog', (d) => void d.accept());
  page.on('load', () => void page.content().then((html) => pagesSeen.push(html), () => undefined));
  return page;
}

/** The app on a real port, as a browser reaches it. */
export async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const addr = t.app.getHttpServer().address() as { port: number };
  return `http://127.0.0.1:${addr.port}`;
}

/** axe-core on the page as it stands: no serious or critical violation. */
export async function expectAccessible(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const described = bad.map((v) => `${v.id} (${v.impact}) on ${page.url()}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  expect(described).toEqual([]);
}

/**
 * Opens the page in both languages (through the portal's own switch), at 1280 px and 390 px,
 * checks each with axe and screenshots it: test-output/portal/<name>.<locale>.<width>.png.
 */
export async function visitInBothLanguages(page: Page, base: string, path: string, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const locale of ['zh-CN', 'en'] as const) {
    await page.goto(`${base}/portal/lang?to=${locale}&back=${encodeURIComponent(path)}`);
    expect(await page.getAttribute('html', 'lang')).toBe(locale);
    await expectAccessible(page);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.${locale}.${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }
}

/** Every page seen: no API key, no inline code. */
export function expectCleanPages(pagesSeen: string[]): void {
  expect(pagesSeen.length).toBeGreaterThan(5);
  for (const html of pagesSeen) {
    expectNoApiKey(html);
    expectNoInlineCode(html);
  }
}

/** No API key, of any role, anywhere in what the browser received. */
export function expectNoApiKey(html: string): void {
  expect(html).not.toMatch(/ol_(vnd|cus|aud)_[A-Za-z0-9_-]{20,}/);
}

/** Nothing a strict CSP (script-src/style-src 'self') would block: no inline script, handler or style. */
export function expectNoInlineCode(html: string): void {
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
  expect(html).not.toMatch(/<style[\s>]/i);
  expect(html).not.toMatch(/\sstyle\s*=/i);
  expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  expect(html).not.toMatch(/javascript:/i);
}
