import { canonicalJson, sha256Hex } from './canonical-json';
import { dec } from './decimal';

describe('canonicalJson', () => {
  // Pinned test vector: the ledger's hash chain depends on these exact bytes. The expected string
  // and digest were cross-checked against an independent implementation (Python, UTF-16 key sort).
  const vector = {
    ledger: 'v1',
    amount: '1234.50',
    entries: [
      { account: 'receivable', debit: '1060.00', credit: '0' },
      { account: 'revenue', credit: '1000.00', debit: '0' },
    ],
    meta: { 'ﬁ': 1, '😀': 2, Z: true, a: null, skipped: undefined, note: 'line\n"quoted" \u0001 é' },
    n: -0.5,
    seq: 42,
  };
  const expected =
    '{"amount":"1234.50","entries":[{"account":"receivable","credit":"0","debit":"1060.00"},' +
    '{"account":"revenue","credit":"1000.00","debit":"0"}],"ledger":"v1",' +
    '"meta":{"Z":true,"a":null,"note":"line\\n\\"quoted\\" \\u0001 é","😀":2,"ﬁ":1},"n":-0.5,"seq":42}';

  it('serializes the pinned test vector to the pinned bytes and digest', () => {
    expect(canonicalJson(vector)).toBe(expected);
    expect(sha256Hex(canonicalJson(vector))).toBe('3ccb005539bb499af66ac4de2120cf88649b6d885581810adf09493e0a53f476');
  });

  it('hashes strings as UTF-8 and buffers as raw bytes', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(Buffer.from('abc', 'utf8'))).toBe(sha256Hex('abc'));
  });

  it('sorts keys by UTF-16 code units, so an astral character sorts before U+FB01', () => {
    expect(canonicalJson({ 'ﬁ': 1, '😀': 2 })).toBe('{"😀":2,"ﬁ":1}');
  });

  it('gives the same bytes whatever the key insertion order', () => {
    expect(canonicalJson({ b: { y: 1, x: [2, { d: 1, c: 2 }] }, a: 1 })).toBe(canonicalJson({ a: 1, b: { x: [2, { c: 2, d: 1 }], y: 1 } }));
  });

  it('omits undefined fields, keeps nulls and keeps array order', () => {
    expect(canonicalJson({ a: undefined, b: null, c: [3, 1, 2] })).toBe('{"b":null,"c":[3,1,2]}');
  });

  it('rejects non-finite numbers, bigints, cycles and class instances without toJSON', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson([Number.POSITIVE_INFINITY])).toThrow(/non-finite/);
    expect(() => canonicalJson({ a: BigInt(1) })).toThrow(/bigint/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
    expect(() => canonicalJson(new Map())).toThrow(/plain object/);
    expect(() => canonicalJson(undefined)).toThrow();
  });

  it('serializes a Decimal through its toJSON as a string', () => {
    expect(canonicalJson({ v: dec('1.50') })).toBe('{"v":"1.5"}');
  });
});
