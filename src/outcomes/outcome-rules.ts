// Pure rules of recording: what a contract's terms accept, the canonical content hash, local dates.
// No Nest, no database: unit-tested beside this file.
import { Money } from '../common/money';
import { canonicalJson, sha256Hex } from '../kernel/canonical-json';
import { componentOutcomeType, guaranteeKpis, knownOutcomeTypes } from '../pricing/terms';
import type { Terms, Verification } from '../pricing/types';

/** What one terms version says about outcome types. */
export interface TypeRules {
  /** Who verifies each type the terms know (priced types, declared types, guarantee KPIs). */
  verification: Map<string, Verification>;
  /** Types whose outcomes must carry a value (value shares price the value). */
  needsValue: Set<string>;
  /** Types whose outcomes must carry a quantity (metered usage sums the quantity). */
  needsQuantity: Set<string>;
  /** Types priced per outcome (counted): a claim without quantity or value counts as one. */
  counted: Set<string>;
  /** How each value-priced or metered type is priced, for the error that asks for its amount. */
  pricing: Map<string, string>;
  disputeWindowDays: number;
  /** Customer-verified types with deemed acceptance: the ISO 8601 objection window (per_outcome `objectionWindow`). */
  objectionWindows: Map<string, string>;
  /** Third-party types: the verifier the terms name (a verifier's key or id, or a legacy free name). */
  verifiers: Map<string, string>;
}

/** Days after verification during which the customer may dispute, when the terms do not say. */
export const DEFAULT_DISPUTE_WINDOW_DAYS = 30;

/** The dispute window of a terms version (none in force: the default). */
export function disputeWindowDaysOf(terms: Pick<Terms, 'disputeWindowDays'> | undefined): number {
  return terms?.disputeWindowDays ?? DEFAULT_DISPUTE_WINDOW_DAYS;
}

export function typeRulesOf(terms: Terms): TypeRules {
  const verification = knownOutcomeTypes(terms);
  // A KPI that a guarantee reads is accepted even when not declared; the customer confirms a measurement.
  for (const kpi of guaranteeKpis(terms)) if (!verification.has(kpi)) verification.set(kpi, 'customer');
  const needsValue = new Set<string>();
  const needsQuantity = new Set<string>();
  const counted = new Set<string>();
  const pricing = new Map<string, string>();
  const describe = (type: string, how: string) => pricing.set(type, pricing.has(type) ? `${pricing.get(type)} and ${how}` : how);
  const objectionWindows = new Map<string, string>();
  const verifiers = new Map<string, string>();
  for (const c of terms.components) {
    const named = (c as { verifier?: string }).verifier;
    const read = componentOutcomeType(c);
    if (named !== undefined && read !== undefined && !verifiers.has(read)) verifiers.set(read, named);
    if (c.type === 'per_outcome' && c.objectionWindow && !objectionWindows.has(c.outcomeType)) objectionWindows.set(c.outcomeType, c.objectionWindow);
    if (c.type === 'value_share') {
      needsValue.add(c.outcomeType);
      describe(c.outcomeType, c.rate !== undefined ? `a ${new Money(c.rate).times(100).toFixed()}% value share` : `a graduated value share in ${c.bands!.length} bands`);
    }
    if (c.type === 'usage') {
      needsQuantity.add(c.metric);
      const per = c.per && c.per !== '1' ? ` per ${c.per} units` : ' per unit';
      describe(c.metric, c.tiers ? `metered usage in ${c.tiers.length} tiers` : `metered usage at ${c.unitPrice}${per}`);
    }
    if (c.type === 'per_outcome') counted.add(c.outcomeType);
  }
  for (const [name, decl] of Object.entries(terms.outcomeTypes ?? {}))
    if (decl.verifier !== undefined && !verifiers.has(name)) verifiers.set(name, decl.verifier);
  return {
    verification,
    needsValue,
    needsQuantity,
    counted,
    pricing,
    disputeWindowDays: disputeWindowDaysOf(terms),
    objectionWindows,
    verifiers,
  };
}

/**
 * The quantity an outcome is recorded with, or the field its type still needs. A counted type
 * (priced per outcome) sent without quantity or value counts as one; a value share needs `value`
 * and metered usage `quantity`, and the message says how the type is priced.
 */
export function amountOf(
  rules: TypeRules,
  type: string,
  quantity: string | undefined,
  value: string | undefined,
): { quantity: string | undefined } | { field: 'quantity' | 'value'; message: string } {
  const how = rules.pricing.get(type);
  if (rules.needsValue.has(type) && value === undefined) return { field: 'value', message: `"${type}" is priced as ${how}: send value` };
  if (rules.needsQuantity.has(type) && quantity === undefined)
    return { field: 'quantity', message: `"${type}" is priced as ${how}: send quantity` };
  if (quantity === undefined && value === undefined) {
    if (rules.counted.has(type)) return { quantity: '1' };
    return { field: 'quantity', message: 'give a quantity, a value, or both' };
  }
  return { quantity };
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar date (YYYY-MM-DD) of an instant in an IANA timezone. */
export function localDate(instant: Date, timezone: string): string {
  let f = dateFormats.get(timezone);
  if (!f) {
    // en-CA formats dates as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timezone, f);
  }
  return f.format(instant);
}

const ALREADY_NORMAL = /^-?(0|[1-9]\d*)(\.\d*[1-9])?$/;

/** A decimal string in its one normal form ("1.50" → "1.5", "-0" → "0"), or null. */
export function normalDecimal(v: string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  if (ALREADY_NORMAL.test(v) && v !== '-0') return v; // the common case, without a Decimal
  const d = new Money(v);
  return d.isZero() ? '0' : d.toFixed();
}

export interface OutcomeContent {
  type: string;
  quantity: string | null;
  value: string | null;
  /** Normalised ISO 8601 UTC with milliseconds. */
  occurredAt: string;
  dimensions: Record<string, string>;
  evidenceSha256: string | null;
  evidenceUri: string | null;
  correctsOutcomeId: string | null;
}

const str = (v: string | null) => (v === null ? 'null' : JSON.stringify(v));

/**
 * The fingerprint that decides whether a replayed externalId is the same outcome: SHA-256 of the
 * canonical JSON of the content. Decimals and the instant are normalised first, so "1.0" at
 * 08:00+08:00 equals "1" at 00:00Z. The string is written out in canonical key order (the hot path
 * of batch ingestion); outcome-rules.spec.ts pins it to canonicalJson and to a test vector.
 */
export function contentSha256(c: OutcomeContent): string {
  return sha256Hex(
    `{"correctsOutcomeId":${str(c.correctsOutcomeId)},"dimensions":${canonicalJson(c.dimensions)},` +
      `"evidenceSha256":${str(c.evidenceSha256)},"evidenceUri":${str(c.evidenceUri)},"occurredAt":${str(c.occurredAt)},` +
      `"quantity":${str(normalDecimal(c.quantity))},"type":${str(c.type)},"value":${str(normalDecimal(c.value))}}`,
  );
}

/** The same fingerprint through the generic canonicalJson: the reference the fast path is tested against. */
export function contentSha256Reference(c: OutcomeContent): string {
  return sha256Hex(
    canonicalJson({
      type: c.type,
      quantity: normalDecimal(c.quantity),
      value: normalDecimal(c.value),
      occurredAt: c.occurredAt,
      dimensions: c.dimensions,
      evidenceSha256: c.evidenceSha256,
      evidenceUri: c.evidenceUri,
      correctsOutcomeId: c.correctsOutcomeId,
    }),
  );
}

/** SHA-256 of evidence's canonical JSON: what `evidenceSha256` must equal when evidence is inline. */
export function evidenceDigest(evidence: unknown): string {
  return sha256Hex(canonicalJson(evidence));
}
