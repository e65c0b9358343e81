import { json } from 'body-parser';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isUtf8 } from 'node:buffer';
import { CommonError, CommonErrorCode } from '../errors/common.errors';
import { DomainException, FieldError } from '../errors/domain-exception';

/** Deepest nesting a body may have: far above any DTO (terms documents nest ~6), far below a stack overflow. */
export const MAX_BODY_DEPTH = 32;

// With the u flag a paired surrogate is one astral code point, so \p{Cs} matches only a lone half.
const LONE_SURROGATE = /\p{Cs}/u;

const JSON_TYPE = /^application\/(?:json|[\w.+-]+\+json)$/i;

/**
 * The only body parser of the app: JSON in UTF-8, nothing else. Nest's default json + urlencoded
 * parsers are off (`bodyParser: false`), so a form or multipart body can never be read as input.
 *
 * - A body with any other content type, or with none, answers 415; no content at all leaves
 *   `req.body` undefined (an all-optional action then validates `{}`), an unreadable body never does.
 * - Every parser failure answers its 4xx (charset/encoding 415, corrupt gzip/brotli 400, too large 413).
 * - The parsed document is then checked once, before any guard, interceptor (the idempotency hash)
 *   or pipe sees it: nesting at most {@link MAX_BODY_DEPTH}, every string and key well-formed
 *   Unicode (a lone surrogate would be hashed as itself but stored by PostgreSQL as U+FFFD, breaking
 *   the hash chain for good) and NFC-normalized, so what is hashed is what is stored and read back.
 */
export function jsonBodyParser(opts: { limit: string }): RequestHandler {
  const parse = json({
    limit: opts.limit,
    strict: true,
    type: () => true, // the content type is checked below, before parsing
    verify: (_req, _res, buf, encoding) => {
      // RFC 8259 §8.1: JSON exchanged between systems is UTF-8.
      if (encoding !== 'utf-8' && encoding !== 'utf8') throw Object.assign(new Error(`charset ${encoding} is not supported: send UTF-8`), { type: 'charset.unsupported' });
      if (!isUtf8(buf)) throw Object.assign(new Error('the body is not valid UTF-8'), { type: 'entity.parse.failed' });
    },
  });
  return function jsonOnlyBodyParser(req: Request, res: Response, next: NextFunction) {
    // The portal's HTML forms post urlencoded bodies to /portal only; its module mounts its own parser
    // there (and checks CSRF). The API under /v1 stays JSON-only.
    if (req.path === '/portal' || req.path.startsWith('/portal/')) return next();
    if (!hasContent(req)) {
      req.body = undefined;
      return next();
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
    if (!JSON_TYPE.test(type))
      return next(
        CommonError.create(
          CommonErrorCode.UNSUPPORTED_MEDIA_TYPE,
          type ? `Content-Type ${type.slice(0, 100)} is not accepted: send application/json` : 'A body needs Content-Type: application/json',
        ),
      );
    parse(req, res, (err?: unknown) => {
      if (err) return next(bodyError(err));
      try {
        req.body = wellFormed(req.body);
      } catch (e) {
        return next(e);
      }
      next();
    });
  };
}

/** Content-Length 0 (or no length and no transfer encoding) is "no body"; anything else must be JSON. */
function hasContent(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** body-parser / raw-body / zlib failures → the 4xx each one means. */
export function bodyError(err: unknown): DomainException {
  if (err instanceof DomainException) return err;
  const e = err as { type?: string; status?: number; message?: string; code?: string };
  switch (e?.type) {
    case 'entity.too.large':
      return CommonError.create(CommonErrorCode.BODY_TOO_LARGE, 'The request body exceeds the size limit');
    case 'charset.unsupported':
      return CommonError.create(CommonErrorCode.UNSUPPORTED_MEDIA_TYPE, e.message);
    case 'encoding.unsupported':
      return CommonError.create(CommonErrorCode.UNSUPPORTED_MEDIA_TYPE, `${e.message}: send identity, gzip, deflate or br`);
    case 'entity.parse.failed':
      return CommonError.create(CommonErrorCode.MALFORMED_JSON, e.message);
  }
  // Corrupt gzip/brotli/deflate (zlib), a length that does not match, an aborted upload.
  return CommonError.create(CommonErrorCode.BODY_UNREADABLE, 'The request body could not be read (corrupt compression or length)');
}

/**
 * One pass over a parsed JSON document: refuses nesting deeper than {@link MAX_BODY_DEPTH} and lone
 * surrogates (naming the field path), NFC-normalizes every string and key, and refuses two keys of one
 * object that normalize to the same key. Returns the normalized copy.
 */
export function wellFormed(doc: unknown): unknown {
  const errors: FieldError[] = [];
  const walk = (v: unknown, path: string, depth: number): unknown => {
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) {
        errors.push({ field: path || '(body)', message: 'must be well-formed Unicode (it holds a lone UTF-16 surrogate)' });
        return v;
      }
      return v.normalize('NFC');
    }
    if (v === null || typeof v !== 'object') return v;
    if (depth >= MAX_BODY_DEPTH)
      throw CommonError.create(CommonErrorCode.BODY_TOO_DEEP, `The body nests deeper than ${MAX_BODY_DEPTH} levels at ${path || '(body)'}`);
    if (Array.isArray(v)) return v.map((item, i) => walk(item, `${path}[${i}]`, depth + 1));
    const entries: Array<[string, unknown]> = [];
    const seen = new Set<string>();
    for (const [rawKey, value] of Object.entries(v)) {
      const shown = path ? `${path}.${rawKey}` : rawKey;
      if (LONE_SURROGATE.test(rawKey)) {
        errors.push({ field: shown, message: 'the field name must be well-formed Unicode (it holds a lone UTF-16 surrogate)' });
        continue;
      }
      const key = rawKey.normalize('NFC');
      if (seen.has(key)) errors.push({ field: shown, message: 'two field names are the same once NFC-normalized' });
      seen.add(key);
      entries.push([key, walk(value, path ? `${path}.${key}` : key, depth + 1)]);
    }
    // fromEntries defines own properties, as JSON.parse does: a "__proto__" key stays data.
    return Object.fromEntries(entries);
  };
  const out = walk(doc, '', 0);
  if (errors.length)
    throw CommonError.create(
      CommonErrorCode.VALIDATION_FAILED,
      errors.map((f) => `${f.field}: ${f.message}`).join('; '),
      errors,
    );
  return out;
}
