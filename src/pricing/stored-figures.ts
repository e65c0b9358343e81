import { canonicalJson } from '../kernel/canonical-json';
import { dec, PLAIN_DECIMAL } from '../kernel/decimal';
import type { InvoiceLine, PricedInvoice } from './types';

/** What a finalized invoice stores of its figures (the columns a document and the ledger show). */
export interface StoredFigures {
  currency: string;
  subtotal: string | null;
  tax: string | null;
  total: string | null;
  lines: InvoiceLine[];
  traceJson: string | null;
  traceDigest: string | null;
}

/** One stored figure that differs from its recomputation: `lines[2].amount`, `total`, … */
export interface FigureMismatch {
  field: string;
  stored: string | null;
  recomputed: string | null;
}

/** Equal as decimals when both are decimal strings (numeric columns pad their scale), else as text. */
function same(a: string | null, b: string | null): boolean {
  if (a !== null && b !== null && PLAIN_DECIMAL.test(a) && PLAIN_DECIMAL.test(b)) return dec(a).eq(dec(b));
  return a === b;
}

const text = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : canonicalJson(v));

/**
 * Every stored figure of a finalized invoice against the engine's recomputation: currency,
 * subtotal, tax, total, each line field by field (and their number), the trace and its digest.
 * A digest that matches proves nothing about a total raised beside it, so each is compared.
 */
export function storedFigureMismatches(stored: StoredFigures, priced: PricedInvoice): FigureMismatch[] {
  const out: FigureMismatch[] = [];
  const check = (field: string, s: unknown, r: unknown) => {
    const [st, rt] = [text(s), text(r)];
    if (!same(st, rt)) out.push({ field, stored: st, recomputed: rt });
  };
  check('currency', stored.currency, priced.currency);
  check('subtotal', stored.subtotal, priced.subtotal);
  check('tax', stored.tax, priced.tax);
  check('total', stored.total, priced.total);
  check('lines.length', String(stored.lines.length), String(priced.lines.length));
  for (let i = 0; i < Math.max(stored.lines.length, priced.lines.length); i++) {
    const s = (stored.lines[i] ?? {}) as unknown as Record<string, unknown>;
    const r = (priced.lines[i] ?? {}) as unknown as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(s), ...Object.keys(r)])].sort()) check(`lines[${i}].${key}`, s[key], r[key]);
  }
  check('traceDigest', stored.traceDigest, priced.traceDigest);
  if (stored.traceJson !== priced.traceJson) out.push({ field: 'traceJson', stored: stored.traceJson === null ? null : 'differs', recomputed: 'differs' });
  return out;
}
