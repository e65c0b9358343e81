import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locale } from './format';

type Catalog = Record<string, string>;

// Loaded once: two small JSON catalogs with the same keys (a unit spec checks they match).
const dir = join(__dirname, 'i18n');
export const CATALOGS: Record<Locale, Catalog> = {
  'zh-CN': JSON.parse(readFileSync(join(dir, 'zh-CN.json'), 'utf8')),
  en: JSON.parse(readFileSync(join(dir, 'en.json'), 'utf8')),
};

/** `t('inbox.count', { n: 3 })`: the message in the locale, `{name}` placeholders filled. */
export function translate(locale: Locale, key: string, params: Record<string, unknown> = {}): string {
  const msg = CATALOGS[locale][key] ?? CATALOGS.en[key] ?? key;
  return msg.replace(/\{(\w+)\}/g, (_, k: string) => (params[k] === undefined ? `{${k}}` : String(params[k])));
}
