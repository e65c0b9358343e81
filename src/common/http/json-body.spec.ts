import { DomainException } from '../errors/domain-exception';
import { bodyError, MAX_BODY_DEPTH, wellFormed } from './json-body';

const refusal = (f: () => unknown): DomainException => {
  try {
    f();
  } catch (e) {
    return e as DomainException;
  }
  throw new Error('expected a refusal');
};

describe('wellFormed', () => {
  it('NFC-normalizes every string and key, keeping order, numbers and nulls', () => {
    const out = wellFormed(JSON.parse('{"caf\\u0065\\u0301":["e\\u0301",1,null,true],"n":{"A\\u030a":"x"}}'));
    expect(out).toEqual({ 'caf\u00e9': ['\u00e9', 1, null, true], n: { '\u00c5': 'x' } });
  });

  it('names the path of each lone surrogate, in values and in keys', () => {
    const e = refusal(() => wellFormed(JSON.parse('{"items":[{},{},{},{"dimensions":{"site":"a\\ud800"}}],"\\udfffk":1}')));
    expect(e.status).toBe(422);
    expect(e.errors!.map((x) => x.field)).toEqual(['items[3].dimensions.site', '\udfffk']);
  });

  it('accepts paired surrogates (astral characters) as they are', () => {
    expect(wellFormed({ e: '\ud83d\ude00' })).toEqual({ e: '😀' });
  });

  it('refuses two keys that are one key once normalized', () => {
    expect(refusal(() => wellFormed(JSON.parse('{"\\u00e9":1,"e\\u0301":2}'))).status).toBe(422);
  });

  it(`refuses nesting deeper than ${MAX_BODY_DEPTH}, at any size, without overflowing the stack`, () => {
    const nest = (n: number) => JSON.parse('['.repeat(n) + ']'.repeat(n));
    expect(() => wellFormed(nest(MAX_BODY_DEPTH))).not.toThrow();
    expect(refusal(() => wellFormed(nest(MAX_BODY_DEPTH + 1))).code).toBe('BODY_TOO_DEEP');
    expect(refusal(() => wellFormed(nest(200_000))).code).toBe('BODY_TOO_DEEP');
  });

  it('keeps a "__proto__" key as data, as JSON.parse does, without touching prototypes', () => {
    const out = wellFormed(JSON.parse('{"__proto__":{"admin":true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});

describe('bodyError', () => {
  it.each([
    ['entity.too.large', 413, 'BODY_TOO_LARGE'],
    ['charset.unsupported', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['encoding.unsupported', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['entity.parse.failed', 400, 'MALFORMED_JSON'],
    [undefined, 400, 'BODY_UNREADABLE'],
  ])('maps a reader error of type %s to %i %s', (type, status, code) => {
    const e = bodyError(Object.assign(new Error('x'), { type, status: 400 }));
    expect([e.status, e.code]).toEqual([status, code]);
  });
});
