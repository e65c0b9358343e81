// Canonical JSON: the one serialization that is hashed (invoice traces, the ledger's hash chain).
// Keys sorted recursively by UTF-16 code units, no whitespace, strings escaped as JSON.stringify
// does, arrays in order, `undefined` object fields omitted, non-finite numbers rejected.
import { createHash } from 'node:crypto';

export class CanonicalJsonError extends TypeError {}

export function canonicalJson(value: unknown): string {
  const out = serialize(value, '$', new Set<object>());
  if (out === undefined) {
    throw new CanonicalJsonError('canonicalJson: the value itself is undefined, a function or a symbol');
  }
  return out;
}

function serialize(value: unknown, path: string, seen: Set<object>): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) {
        throw new CanonicalJsonError(`canonicalJson: non-finite number at ${path}`);
      }
      return JSON.stringify(value);
    case 'bigint':
      throw new CanonicalJsonError(`canonicalJson: bigint at ${path} (use a decimal string)`);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  const obj = value as Record<string, unknown>;
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
    return serialize((obj as { toJSON: () => unknown }).toJSON(), path, seen);
  }
  if (seen.has(obj)) throw new CanonicalJsonError(`canonicalJson: cycle at ${path}`);
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      const items = obj.map((item, i) => serialize(item, `${path}[${i}]`, seen) ?? 'null');
      return `[${items.join(',')}]`;
    }
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      throw new CanonicalJsonError(`canonicalJson: not a plain object at ${path}`);
    }
    const keys = Object.keys(obj).sort(); // default sort compares UTF-16 code units
    const parts: string[] = [];
    for (const key of keys) {
      const v = serialize(obj[key], `${path}.${key}`, seen);
      if (v !== undefined) parts.push(`${JSON.stringify(key)}:${v}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    seen.delete(obj);
  }
}

/** Lowercase hex SHA-256 of a UTF-8 string or of raw bytes. */
export function sha256Hex(text: string | Buffer): string {
  const hash = createHash('sha256');
  if (typeof text === 'string') hash.update(text, 'utf8');
  else hash.update(text);
  return hash.digest('hex');
}
