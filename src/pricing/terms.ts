// Strict validation of the terms document, and the questions other modules ask about terms.
import { canonicalJson } from '../kernel/canonical-json';
import { dec, DECIMAL_STRING } from '../kernel/decimal';
import type {
  ParseTermsResult,
  PriceComponent,
  Terms,
  TermsFieldError,
  Verification,
} from './types';

/** A decimal field of the terms: plain notation, at most 20 integer and 12 fraction digits. */
export const TERMS_DECIMAL = DECIMAL_STRING;

const COMPONENT_TYPES = ['flat_fee', 'value_share', 'per_outcome', 'per_area', 'usage'] as const;
const VERIFICATIONS: readonly Verification[] = ['auto', 'customer', 'third_party'];
const COMPARATORS = ['gte', 'gt', 'lte', 'lt'];
const WHEN_MISSING = ['block', 'assume_met', 'assume_missed'];
const ROUNDINGS = ['HALF_UP', 'HALF_EVEN'];
const RESERVED_KEY_PREFIXES = ['adj:', 'invoice:'];

const TERMS_FIELDS = ['components', 'minimum', 'cap', 'guarantee', 'rounding', 'disputeWindowDays', 'outcomeTypes'];
const COMMON_FIELDS = ['type', 'key', 'description', 'minimum', 'cap', 'guarantee'];
const COMPONENT_FIELDS: Record<string, string[]> = {
  flat_fee: [...COMMON_FIELDS, 'amount', 'per', 'quantity', 'unit'],
  value_share: [...COMMON_FIELDS, 'rate', 'outcomeType', 'verification', 'verifier', 'allowNegative', 'floor'],
  per_outcome: [...COMMON_FIELDS, 'unitPrice', 'outcomeType', 'verification', 'verifier', 'breakdownBy'],
  per_area: [...COMMON_FIELDS, 'annualRatePerKm2', 'areaKm2'],
  usage: [
    ...COMMON_FIELDS, 'metric', 'verification', 'verifier', 'unitPrice', 'per', 'tiers', 'tierMode',
    'packageSize', 'freeUnits',
  ],
};
const GUARANTEE_FIELDS = ['kpi', 'comparator', 'threshold', 'multiplierIfMissed', 'creditIfMissed', 'whenMissing'];
const TIER_FIELDS = ['upTo', 'unitPrice', 'flatAmount'];
const OUTCOME_TYPE_FIELDS = ['verification', 'verifier', 'unit', 'valuePerUnit'];

/** How a decimal field is bounded. */
type Bound = 'any' | 'nonNegative' | 'positive' | 'rate';

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function at(path: string, field: string): string {
  return path === '' ? field : `${path}.${field}`;
}

function has(obj: Obj, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, field) && obj[field] !== undefined;
}

class Checker {
  readonly errors: TermsFieldError[] = [];

  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  object(value: unknown, path: string, what: string): value is Obj {
    if (!isObject(value)) {
      this.error(path, `${what} must be a JSON object, got ${typeName(value)}`);
      return false;
    }
    return true;
  }

  fields(obj: Obj, path: string, allowed: string[]): void {
    for (const key of Object.keys(obj).sort()) {
      if (obj[key] !== undefined && !allowed.includes(key)) {
        this.error(at(path, key), `unknown field "${key}" (allowed: ${allowed.join(', ')})`);
      }
    }
  }

  required(obj: Obj, field: string, path: string): boolean {
    if (!has(obj, field)) {
      this.error(at(path, field), 'missing required field');
      return false;
    }
    return true;
  }

  string(obj: Obj, field: string, path: string, opts: { required?: boolean } = {}): string | undefined {
    if (!has(obj, field)) {
      if (opts.required) this.required(obj, field, path);
      return undefined;
    }
    const v = obj[field];
    if (typeof v !== 'string') {
      this.error(at(path, field), `must be a string, got ${typeName(v)}`);
      return undefined;
    }
    if (v.trim() === '') {
      this.error(at(path, field), 'must be a non-empty string');
      return undefined;
    }
    return v;
  }

  enumeration(obj: Obj, field: string, path: string, values: readonly string[], opts: { required?: boolean } = {}): string | undefined {
    if (!has(obj, field)) {
      if (opts.required) this.required(obj, field, path);
      return undefined;
    }
    const v = obj[field];
    if (typeof v !== 'string' || !values.includes(v)) {
      this.error(at(path, field), `must be one of ${values.join(' | ')}, got ${typeof v === 'string' ? JSON.stringify(v) : typeName(v)}`);
      return undefined;
    }
    return v;
  }

  boolean(obj: Obj, field: string, path: string): void {
    if (has(obj, field) && typeof obj[field] !== 'boolean') {
      this.error(at(path, field), `must be a boolean, got ${typeName(obj[field])}`);
    }
  }

  decimal(obj: Obj, field: string, path: string, bound: Bound, opts: { required?: boolean } = {}): string | undefined {
    if (!has(obj, field)) {
      if (opts.required) this.required(obj, field, path);
      return undefined;
    }
    return this.decimalValue(obj[field], at(path, field), bound);
  }

  decimalValue(v: unknown, path: string, bound: Bound): string | undefined {
    if (typeof v !== 'string') {
      this.error(path, `must be a decimal string (e.g. "12.50"), got ${typeName(v)}`);
      return undefined;
    }
    if (!TERMS_DECIMAL.test(v)) {
      this.error(path, `must be a decimal string in plain notation with at most 20 integer and 12 fraction digits (e.g. "12.50"), got ${JSON.stringify(v)}`);
      return undefined;
    }
    const d = dec(v);
    if (bound === 'nonNegative' && d.isNegative() && !d.isZero()) {
      this.error(path, `must not be negative, got "${v}"`);
      return undefined;
    }
    if (bound === 'positive' && !d.greaterThan(0)) {
      this.error(path, `must be greater than 0, got "${v}"`);
      return undefined;
    }
    if (bound === 'rate' && (d.lessThan(0) || d.greaterThan(1))) {
      this.error(path, `must be a rate between 0 and 1, got "${v}"`);
      return undefined;
    }
    return v;
  }
}

/** Validates a terms document field by field and returns every error found. */
export function parseTerms(doc: unknown): ParseTermsResult {
  const c = new Checker();
  if (!c.object(doc, '', 'terms')) return { ok: false, errors: c.errors };
  c.fields(doc, '', TERMS_FIELDS);

  const components: Obj[] = [];
  const componentPaths: string[] = [];
  if (c.required(doc, 'components', '')) {
    const list = doc.components;
    if (!Array.isArray(list)) {
      c.error('components', `must be an array, got ${typeName(list)}`);
    } else if (list.length === 0) {
      c.error('components', 'must hold at least one price component');
    } else {
      list.forEach((item, i) => {
        const path = `components[${i}]`;
        if (c.object(item, path, 'a price component')) {
          checkComponent(c, item, path);
          components.push(item);
          componentPaths.push(path);
        }
      });
    }
  }

  checkModifiers(c, doc, '');
  c.enumeration(doc, 'rounding', '', ROUNDINGS);
  if (has(doc, 'disputeWindowDays')) {
    const v = doc.disputeWindowDays;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 3650) {
      c.error('disputeWindowDays', `must be an integer number of days between 0 and 3650, got ${typeof v === 'number' ? String(v) : typeName(v)}`);
    }
  }

  // Outcome types: what each priced/declared type is verified by, and conflicts between them.
  const verificationOf = new Map<string, { verification: string; path: string }>();
  const note = (type: string, verification: string, path: string) => {
    const prior = verificationOf.get(type);
    if (prior && prior.verification !== verification) {
      c.error(path, `outcome type "${type}" is verified by ${verification} here but by ${prior.verification} at ${prior.path}`);
    } else if (!prior) {
      verificationOf.set(type, { verification, path });
    }
  };
  components.forEach((comp, i) => {
    const path = componentPaths[i];
    const type = comp.type;
    const verification = typeof comp.verification === 'string' ? comp.verification : type === 'usage' ? 'auto' : undefined;
    const outcomeType = type === 'usage' ? comp.metric : type === 'value_share' || type === 'per_outcome' ? comp.outcomeType : undefined;
    if (typeof outcomeType === 'string' && verification && VERIFICATIONS.includes(verification as Verification)) {
      note(outcomeType, verification, at(path, 'verification'));
    }
  });
  if (has(doc, 'outcomeTypes') && c.object(doc.outcomeTypes, 'outcomeTypes', 'outcomeTypes')) {
    const decls = doc.outcomeTypes as Obj;
    for (const name of Object.keys(decls).sort()) {
      const path = `outcomeTypes.${name}`;
      if (name.trim() === '') c.error(path, 'an outcome type name must be a non-empty string');
      const decl = decls[name];
      if (!c.object(decl, path, 'an outcome type declaration')) continue;
      c.fields(decl, path, OUTCOME_TYPE_FIELDS);
      const verification = checkVerification(c, decl, path, true);
      c.string(decl, 'unit', path);
      c.decimal(decl, 'valuePerUnit', path, 'nonNegative');
      if (verification) note(name, verification, at(path, 'verification'));
    }
  }

  // Guarantee KPIs must be known outcome types.
  const known = new Set(verificationOf.keys());
  if (isObject(doc.outcomeTypes)) for (const name of Object.keys(doc.outcomeTypes)) known.add(name);
  const checkKpi = (holder: Obj, path: string) => {
    const g = holder.guarantee;
    if (isObject(g) && typeof g.kpi === 'string' && g.kpi.trim() !== '' && !known.has(g.kpi)) {
      c.error(`${at(path, 'guarantee')}.kpi`, `guarantee KPI "${g.kpi}" is neither declared in outcomeTypes nor priced by a component`);
    }
  };
  components.forEach((comp, i) => checkKpi(comp, componentPaths[i]));
  checkKpi(doc, '');

  // Line keys must be unique.
  if (components.length > 0 && components.length === (doc.components as unknown[]).length) {
    const keys = new Map<string, string>();
    components.forEach((comp, i) => {
      const path = componentPaths[i];
      if (!COMPONENT_TYPES.includes(comp.type as never)) return;
      if (has(comp, 'key') && (typeof comp.key !== 'string' || comp.key.trim() === '')) return;
      if (comp.type === 'usage' && !has(comp, 'key') && typeof comp.metric !== 'string') return;
      const key = componentKey({ components: components as unknown as PriceComponent[] }, i);
      const keyPath = has(comp, 'key') ? at(path, 'key') : path;
      if (RESERVED_KEY_PREFIXES.some((p) => key.startsWith(p))) {
        c.error(keyPath, `line key "${key}" uses a reserved prefix (${RESERVED_KEY_PREFIXES.join(', ')})`);
      }
      const prior = keys.get(key);
      if (prior !== undefined) c.error(keyPath, `duplicate line key "${key}" (also the key of ${prior})`);
      else keys.set(key, path);
    });
  }

  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return { ok: true, terms: JSON.parse(canonicalJson(doc)) as Terms };
}

function checkVerification(c: Checker, obj: Obj, path: string, required: boolean): string | undefined {
  const verification = c.enumeration(obj, 'verification', path, VERIFICATIONS, { required });
  const verifier = c.string(obj, 'verifier', path);
  const effective = verification ?? (required ? undefined : 'auto');
  if (effective === 'third_party' && !has(obj, 'verifier')) {
    c.error(at(path, 'verifier'), 'required when verification is third_party: name the verifying party');
  } else if (verifier !== undefined && effective !== undefined && effective !== 'third_party') {
    c.error(at(path, 'verifier'), `only allowed when verification is third_party (it is ${effective})`);
  }
  return verification ?? (required ? undefined : 'auto');
}

function checkModifiers(c: Checker, obj: Obj, path: string): void {
  const minimum = c.decimal(obj, 'minimum', path, 'nonNegative');
  const cap = c.decimal(obj, 'cap', path, 'nonNegative');
  if (minimum !== undefined && cap !== undefined && dec(minimum).greaterThan(dec(cap))) {
    c.error(at(path, 'minimum'), `minimum ${minimum} exceeds cap ${cap}`);
  }
  if (has(obj, 'guarantee')) checkGuarantee(c, obj.guarantee, at(path, 'guarantee'));
}

function checkGuarantee(c: Checker, g: unknown, path: string): void {
  if (!c.object(g, path, 'guarantee')) return;
  c.fields(g, path, GUARANTEE_FIELDS);
  c.string(g, 'kpi', path, { required: true });
  c.enumeration(g, 'comparator', path, COMPARATORS, { required: true });
  c.decimal(g, 'threshold', path, 'any', { required: true });
  c.decimal(g, 'multiplierIfMissed', path, 'rate');
  c.decimal(g, 'creditIfMissed', path, 'nonNegative');
  c.enumeration(g, 'whenMissing', path, WHEN_MISSING);
  const hasMultiplier = has(g, 'multiplierIfMissed');
  const hasCredit = has(g, 'creditIfMissed');
  if (!hasMultiplier && !hasCredit) {
    c.error(at(path, 'multiplierIfMissed'), 'a guarantee needs multiplierIfMissed or creditIfMissed');
  } else if (hasMultiplier && hasCredit) {
    c.error(at(path, 'creditIfMissed'), 'give either multiplierIfMissed or creditIfMissed, not both');
  }
}

function checkComponent(c: Checker, comp: Obj, path: string): void {
  if (!c.required(comp, 'type', path)) return;
  const type = comp.type;
  if (typeof type !== 'string' || !COMPONENT_TYPES.includes(type as never)) {
    c.error(at(path, 'type'), `unknown component type ${typeof type === 'string' ? JSON.stringify(type) : typeName(type)} (allowed: ${COMPONENT_TYPES.join(', ')})`);
    return;
  }
  c.fields(comp, path, COMPONENT_FIELDS[type]);
  c.string(comp, 'key', path);
  c.string(comp, 'description', path);
  checkModifiers(c, comp, path);

  switch (type) {
    case 'flat_fee':
      c.decimal(comp, 'amount', path, 'nonNegative', { required: true });
      c.enumeration(comp, 'per', path, ['month', 'year'], { required: true });
      c.decimal(comp, 'quantity', path, 'nonNegative');
      c.string(comp, 'unit', path);
      break;
    case 'value_share':
      c.decimal(comp, 'rate', path, 'rate', { required: true });
      c.string(comp, 'outcomeType', path, { required: true });
      checkVerification(c, comp, path, true);
      c.boolean(comp, 'allowNegative', path);
      c.decimal(comp, 'floor', path, 'nonNegative');
      break;
    case 'per_outcome':
      c.decimal(comp, 'unitPrice', path, 'nonNegative', { required: true });
      c.string(comp, 'outcomeType', path, { required: true });
      checkVerification(c, comp, path, true);
      c.string(comp, 'breakdownBy', path);
      break;
    case 'per_area':
      c.decimal(comp, 'annualRatePerKm2', path, 'nonNegative', { required: true });
      c.decimal(comp, 'areaKm2', path, 'nonNegative', { required: true });
      break;
    case 'usage':
      checkUsage(c, comp, path);
      break;
  }
}

function checkUsage(c: Checker, comp: Obj, path: string): void {
  c.string(comp, 'metric', path, { required: true });
  checkVerification(c, comp, path, false);
  c.decimal(comp, 'unitPrice', path, 'nonNegative');
  c.decimal(comp, 'per', path, 'positive');
  c.decimal(comp, 'packageSize', path, 'positive');
  c.decimal(comp, 'freeUnits', path, 'nonNegative');
  c.enumeration(comp, 'tierMode', path, ['graduated', 'volume']);
  const hasTiers = has(comp, 'tiers');
  if (hasTiers) {
    checkTiers(c, comp.tiers, at(path, 'tiers'));
    if (has(comp, 'unitPrice')) c.error(at(path, 'unitPrice'), 'not allowed with tiers: each tier carries its own unitPrice');
    if (has(comp, 'packageSize')) c.error(at(path, 'packageSize'), 'packageSize cannot be combined with tiers');
  } else {
    if (!has(comp, 'unitPrice')) c.error(at(path, 'unitPrice'), 'missing required field: unitPrice is required when no tiers are given');
    if (has(comp, 'tierMode')) c.error(at(path, 'tierMode'), 'tierMode is only allowed with tiers');
  }
  if (has(comp, 'packageSize') && has(comp, 'per')) {
    c.error(at(path, 'per'), 'per cannot be combined with packageSize: unitPrice is charged per started package');
  }
}

function checkTiers(c: Checker, tiers: unknown, path: string): void {
  if (!Array.isArray(tiers)) {
    c.error(path, `must be an array of tiers, got ${typeName(tiers)}`);
    return;
  }
  if (tiers.length === 0) {
    c.error(path, 'must hold at least one tier');
    return;
  }
  let previous: string | undefined;
  tiers.forEach((tier, i) => {
    const tp = `${path}[${i}]`;
    if (!c.object(tier, tp, 'a tier')) return;
    c.fields(tier, tp, TIER_FIELDS);
    c.decimal(tier, 'unitPrice', tp, 'nonNegative', { required: true });
    c.decimal(tier, 'flatAmount', tp, 'nonNegative');
    const last = i === tiers.length - 1;
    if (!Object.prototype.hasOwnProperty.call(tier, 'upTo') || tier.upTo === undefined) {
      c.error(`${tp}.upTo`, last ? 'missing required field: the last tier needs upTo: null' : 'missing required field');
      previous = undefined;
      return;
    }
    if (tier.upTo === null) {
      if (!last) c.error(`${tp}.upTo`, 'only the last tier may be unbounded (upTo: null)');
      return;
    }
    const upTo = c.decimalValue(tier.upTo, `${tp}.upTo`, 'positive');
    if (last) {
      c.error(`${tp}.upTo`, 'the last tier must be unbounded (upTo: null)');
    }
    if (upTo !== undefined && previous !== undefined && !dec(upTo).greaterThan(dec(previous))) {
      c.error(`${tp}.upTo`, `tiers must be in ascending order: ${upTo} is not above the previous tier's ${previous}`);
    }
    if (upTo !== undefined) previous = upTo;
  });
}

/** The default line key of a component, before the `#n` suffix. */
function defaultKey(component: PriceComponent): string {
  return component.type === 'usage' ? component.metric : component.type;
}

/**
 * The line key of `terms.components[index]`: its explicit `key`, else the metric for usage, else
 * the type; a default key already taken by an earlier component without explicit key gets `#2`, `#3`…
 */
export function componentKey(terms: Pick<Terms, 'components'>, index: number): string {
  const component = terms.components[index];
  if (component.key !== undefined) return component.key;
  const base = defaultKey(component);
  let seen = 0;
  for (let i = 0; i < index; i++) {
    const other = terms.components[i];
    if (other.key === undefined && defaultKey(other) === base) seen++;
  }
  return seen === 0 ? base : `${base}#${seen + 1}`;
}

/** The outcome type a component reads, if any (value_share, per_outcome: outcomeType; usage: metric). */
export function componentOutcomeType(component: PriceComponent): string | undefined {
  switch (component.type) {
    case 'value_share':
    case 'per_outcome':
      return component.outcomeType;
    case 'usage':
      return component.metric;
    default:
      return undefined;
  }
}

/** Every outcome type (or usage metric) a component prices, with who verifies it. */
export function billableOutcomeTypes(terms: Terms): Map<string, Verification> {
  const out = new Map<string, Verification>();
  for (const component of terms.components) {
    const type = componentOutcomeType(component);
    if (type === undefined || out.has(type)) continue;
    const verification = component.type === 'usage' ? component.verification ?? 'auto' : (component as { verification: Verification }).verification;
    out.set(type, verification);
  }
  return out;
}

/** Billable outcome types plus the `outcomeTypes` declarations (KPIs and reported values). */
export function knownOutcomeTypes(terms: Terms): Map<string, Verification> {
  const out = billableOutcomeTypes(terms);
  const declared = terms.outcomeTypes ?? {};
  for (const name of Object.keys(declared).sort()) {
    if (!out.has(name)) out.set(name, declared[name].verification);
  }
  return out;
}

/** KPIs read by guarantees: the components' in order, then the invoice's; without repeats. */
export function guaranteeKpis(terms: Terms): string[] {
  const out: string[] = [];
  for (const g of [...terms.components.map((c) => c.guarantee), terms.guarantee]) {
    if (g && !out.includes(g.kpi)) out.push(g.kpi);
  }
  return out;
}
