// Strict validation of the terms document, and the questions other modules ask about terms.
import { canonicalJson } from '../kernel/canonical-json';
import { dec, DECIMAL_STRING } from '../kernel/decimal';
import { chargeModel, CHARGE_MODELS, COMPONENT_TYPES, isComponentType } from './charges';
import { at, Checker, checkVerification, has, isObject, type Obj, typeName, VERIFICATIONS } from './checker';
import type { ComponentType, ParseTermsResult, PriceComponent, Terms, Verification } from './types';
import { type AggregateMeasure, measureKey } from './charges/measures';

/** A decimal field of the terms: plain notation, at most 20 integer and 12 fraction digits. */
export const TERMS_DECIMAL = DECIMAL_STRING;

const COMPARATORS = ['gte', 'gt', 'lte', 'lt'];
const WHEN_MISSING = ['block', 'assume_met', 'assume_missed'];
const ROUNDINGS = ['HALF_UP', 'HALF_EVEN'];
const RESERVED_KEY_PREFIXES = ['adj:', 'invoice:'];

const TERMS_FIELDS = ['components', 'minimum', 'cap', 'guarantee', 'rounding', 'disputeWindowDays', 'outcomeTypes'];
const COMMON_FIELDS = ['type', 'key', 'description', 'minimum', 'cap', 'guarantee'];
const GUARANTEE_FIELDS = ['kpi', 'comparator', 'threshold', 'multiplierIfMissed', 'creditIfMissed', 'whenMissing'];
const OUTCOME_TYPE_FIELDS = ['verification', 'verifier', 'unit', 'valuePerUnit'];

export interface ParseTermsOptions {
  /**
   * Terms already stored (billing, the verifier, audit bundles): skip the rules added after terms
   * were first stored (double pricing), so that old versions still price as they were invoiced.
   * New terms and amendments are parsed without it.
   */
  stored?: boolean;
}

/** Validates a terms document field by field and returns every error found. */
export function parseTerms(doc: unknown, options: ParseTermsOptions = {}): ParseTermsResult {
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
    if (!isComponentType(comp.type)) return;
    const model = CHARGE_MODELS[comp.type];
    const verification = typeof comp.verification === 'string' ? comp.verification : model.defaultVerification;
    const outcomeType = model.outcomeTypeField ? comp[model.outcomeTypeField] : undefined;
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
      if (!isComponentType(comp.type)) return;
      if (has(comp, 'key') && (typeof comp.key !== 'string' || comp.key.trim() === '')) return;
      const keyField = CHARGE_MODELS[comp.type].defaultKey ? CHARGE_MODELS[comp.type].outcomeTypeField : undefined;
      if (keyField && !has(comp, 'key') && typeof comp[keyField] !== 'string') return;
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

  if (!options.stored) checkDoublePricing(c, components, componentPaths);

  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return { ok: true, terms: JSON.parse(canonicalJson(doc)) as Terms };
}

/**
 * Two components of a kind that bills per outcome (value_share, per_outcome, usage) reading the
 * same outcome type or metric would charge each outcome twice; each of them gets an error naming
 * the others. Different kinds on one type (a share plus a per-outcome fee) stay allowed.
 */
function checkDoublePricing(c: Checker, components: Obj[], paths: string[]): void {
  const typed = components.map((comp, i) => ({ comp, path: paths[i] })).filter(({ comp }) => isComponentType(comp.type));
  const groups = new Map<string, { path: string; key: string }[]>();
  typed.forEach(({ comp, path }, i) => {
    const model = CHARGE_MODELS[comp.type as ComponentType];
    const read = model.outcomeTypeField ? comp[model.outcomeTypeField] : undefined;
    if (!model.onePerOutcomeType || typeof read !== 'string') return;
    const group = `${model.type}\u0000${read}`;
    const key = componentKey({ components: typed.map((t) => t.comp) as unknown as PriceComponent[] }, i);
    groups.set(group, [...(groups.get(group) ?? []), { path, key: String(key) }]);
  });
  for (const [group, members] of groups) {
    if (members.length < 2) continue;
    const [type, read] = group.split('\u0000');
    const what = CHARGE_MODELS[type as ComponentType].outcomeTypeField === 'metric' ? 'metric' : 'outcome type';
    for (const m of members) {
      const others = members.filter((o) => o !== m).map((o) => `${o.path} (key "${o.key}")`).join(', ');
      c.error(
        m.path,
        `double pricing: ${type} (key "${m.key}") reads ${what} "${read}", as does ${type} ${others}; each outcome would be billed once per component (use one ${type} component per ${what})`,
      );
    }
  }
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
  if (!isComponentType(type)) {
    c.error(at(path, 'type'), `unknown component type ${typeof type === 'string' ? JSON.stringify(type) : typeName(type)} (allowed: ${COMPONENT_TYPES.join(', ')})`);
    return;
  }
  c.fields(comp, path, [...COMMON_FIELDS, ...CHARGE_MODELS[type].fields]);
  c.string(comp, 'key', path);
  c.string(comp, 'description', path);
  checkModifiers(c, comp, path);

  CHARGE_MODELS[type].validate(c, comp, path);
}

/** The default line key of a component, before the `#n` suffix. */
function defaultKey(component: PriceComponent): string {
  const model = chargeModel(component);
  return model.defaultKey ? model.defaultKey(component) : component.type;
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
  const field = chargeModel(component).outcomeTypeField;
  return field ? (component as unknown as Record<string, string>)[field] : undefined;
}

/** What an outcome the component bills must carry: `value` (value shares), `quantity` (usage), or nothing. */
export function componentMeasure(component: PriceComponent): 'value' | 'quantity' | undefined {
  return chargeModel(component).outcomeMeasure;
}

/** Who verifies the outcome type a component reads (undefined when it reads none). */
export function componentVerification(component: PriceComponent): Verification | undefined {
  if (componentOutcomeType(component) === undefined) return undefined;
  return (component as { verification?: Verification }).verification ?? chargeModel(component).defaultVerification;
}

/** The dimensions the components of these terms break their lines down by, sorted. */
export function breakdownDimensions(terms: Terms[]): string[] {
  const out = new Set<string>();
  for (const t of terms)
    for (const c of t.components) {
      const dim = chargeModel(c).breakdownBy?.(c);
      if (dim) out.add(dim);
    }
  return [...out].sort();
}

/** The per-outcome sums the components of these terms read (see charges/measures.ts), without repeats, sorted. */
export function aggregateMeasures(terms: Terms[]): AggregateMeasure[] {
  const out = new Map<string, AggregateMeasure>();
  for (const t of terms)
    for (const c of t.components)
      for (const m of chargeModel(c).measures?.(c) ?? []) out.set(`${m.outcomeType}\u0000${measureKey(m)}`, m);
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, m]) => m);
}

/** Every outcome type (or usage metric) a component prices, with who verifies it. */
export function billableOutcomeTypes(terms: Terms): Map<string, Verification> {
  const out = new Map<string, Verification>();
  for (const component of terms.components) {
    const type = componentOutcomeType(component);
    if (type === undefined || out.has(type)) continue;
    out.set(type, componentVerification(component)!);
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
