// The field checker of parseTerms: collects every error of a terms document with its JSON path.
// Charge models (src/pricing/charges) validate their own fields with it.
import { dec, DECIMAL_STRING } from '../kernel/decimal';
import type { TermsFieldError, Verification } from './types';

export const VERIFICATIONS: readonly Verification[] = ['auto', 'customer', 'third_party'];

/** How a decimal field is bounded. */
export type Bound = 'any' | 'nonNegative' | 'positive' | 'rate';

export type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export function at(path: string, field: string): string {
  return path === '' ? field : `${path}.${field}`;
}

export function has(obj: Obj, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, field) && obj[field] !== undefined;
}

export class Checker {
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
    if (!DECIMAL_STRING.test(v)) {
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

/**
 * `verification` (and `verifier`, only with third_party) of a component or declaration; without
 * `required` an absent verification means auto (metered usage).
 */
export function checkVerification(c: Checker, obj: Obj, path: string, required: boolean): string | undefined {
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
