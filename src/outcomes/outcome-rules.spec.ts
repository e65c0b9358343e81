import fc from 'fast-check';
import { canonicalJson, sha256Hex } from '../kernel/canonical-json';
import type { Terms } from '../pricing/types';
import { amountOf, contentSha256, contentSha256Reference, evidenceDigest, localDate, normalDecimal, typeRulesOf } from './outcome-rules';

const base = {
  type: 'report',
  quantity: '1',
  value: null,
  occurredAt: '2026-03-01T00:00:00.000Z',
  dimensions: { hospital: 'H3' },
  evidenceSha256: null,
  evidenceUri: null,
  correctsOutcomeId: null,
};

describe('the content hash that decides whether a replayed externalId is a duplicate', () => {
  it('is pinned to a test vector: the canonical JSON of the content, keys sorted, decimals normalised', () => {
    const canonical =
      '{"correctsOutcomeId":null,"dimensions":{"hospital":"H3"},"evidenceSha256":null,"evidenceUri":null,' +
      '"occurredAt":"2026-03-01T00:00:00.000Z","quantity":"1","type":"report","value":null}';
    expect(contentSha256({ ...base, quantity: '1.000' })).toBe(sha256Hex(canonical));
    expect(contentSha256(base)).toBe('7cf738ac0e075635bc7ea96c0bfd2a7565d1f7031b3db27697aebbc30cc012f7');
  });

  it('equals the generic canonicalJson form for any content', () => {
    const decimal = fc.oneof(
      fc.constant(null),
      fc.tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 20n - 1n }), fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 12 }))
        .map(([neg, int, frac]) => `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`),
    );
    const text = fc.string({ maxLength: 30 });
    fc.assert(
      fc.property(
        fc.record({
          type: text,
          quantity: decimal,
          value: decimal,
          occurredAt: fc.date({ min: new Date('1970-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }).map((d) => d.toISOString()),
          dimensions: fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), text, { maxKeys: 5 }),
          evidenceSha256: fc.option(fc.stringMatching(/^[0-9a-f]{64}$/)),
          evidenceUri: fc.option(text),
          correctsOutcomeId: fc.option(fc.uuid()),
        }),
        (content) => {
          expect(contentSha256(content)).toBe(contentSha256Reference(content));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('treats 1.0 at 08:00+08:00 and 1 at 00:00Z as the same content, and a different quantity as different', () => {
    const a = contentSha256({ ...base, quantity: '1.0', occurredAt: new Date('2026-03-01T08:00:00+08:00').toISOString() });
    const b = contentSha256({ ...base, quantity: '1', occurredAt: new Date('2026-03-01T00:00:00Z').toISOString() });
    expect(a).toBe(b);
    expect(contentSha256({ ...base, quantity: '2' })).not.toBe(b);
    expect(contentSha256({ ...base, dimensions: { hospital: 'H4' } })).not.toBe(b);
    expect(contentSha256({ ...base, correctsOutcomeId: '01a208c8-9077-7033-a6d1-1aabdf901b63' })).not.toBe(b);
  });
});

describe('decimal normal form', () => {
  it('drops trailing zeros and signs of zero, keeps everything else', () => {
    expect(['1.50', '0.000', '-0', '-0.0', '100', '007.10', '-12.340', '0.5'].map(normalDecimal)).toEqual([
      '1.5', '0', '0', '0', '100', '7.1', '-12.34', '0.5',
    ]);
    expect(normalDecimal(undefined)).toBeNull();
  });
});

describe('evidence digest', () => {
  it('is the SHA-256 of the canonical JSON, whatever the key order', () => {
    expect(evidenceDigest({ b: 1, a: [true, 'x'] })).toBe(sha256Hex(canonicalJson({ a: [true, 'x'], b: 1 })));
    expect(evidenceDigest({ b: 1, a: 2 })).toBe(evidenceDigest({ a: 2, b: 1 }));
  });
});

describe('local dates in the contract timezone', () => {
  it('puts 16:30Z on the next day in Shanghai and the same day in UTC', () => {
    const t = new Date('2026-03-31T16:30:00Z');
    expect(localDate(t, 'Asia/Shanghai')).toBe('2026-04-01');
    expect(localDate(t, 'UTC')).toBe('2026-03-31');
    expect(localDate(t, 'America/Los_Angeles')).toBe('2026-03-31');
  });
});

describe('what the terms accept', () => {
  const terms: Terms = {
    components: [
      { type: 'per_outcome', unitPrice: '15', outcomeType: 'report', verification: 'customer' },
      { type: 'usage', metric: 'query', unitPrice: '0.2' },
      { type: 'value_share', rate: '0.1', outcomeType: 'savings', verification: 'third_party', verifier: 'Auditor Ltd' },
      {
        type: 'per_area', annualRatePerKm2: '2000000', areaKm2: '8.5',
        guarantee: { kpi: 'congestion_reduction_pct', comparator: 'gte', threshold: '10', multiplierIfMissed: '0.5' },
      },
    ],
    outcomeTypes: { nps: { verification: 'auto' } },
    disputeWindowDays: 14,
  };

  it('knows priced types, metrics, declared types and guarantee KPIs with who verifies each', () => {
    const rules = typeRulesOf(terms);
    expect(Object.fromEntries(rules.verification)).toEqual({
      report: 'customer', query: 'auto', savings: 'third_party', nps: 'auto', congestion_reduction_pct: 'customer',
    });
    expect([...rules.needsValue]).toEqual(['savings']);
    expect([...rules.needsQuantity]).toEqual(['query']);
    expect(rules.disputeWindowDays).toBe(14);
  });

  it('counts a per-outcome claim without an amount as one, and names the field and pricing of the others', () => {
    const rules = typeRulesOf(terms);
    expect(amountOf(rules, 'report', undefined, undefined)).toEqual({ quantity: '1' });
    expect(amountOf(rules, 'report', '2', undefined)).toEqual({ quantity: '2' });
    expect(amountOf(rules, 'report', undefined, '9')).toEqual({ quantity: undefined });
    expect(amountOf(rules, 'savings', '3', undefined)).toEqual({ field: 'value', message: '"savings" is priced as a 10% value share: send value' });
    expect(amountOf(rules, 'query', undefined, undefined)).toEqual({ field: 'quantity', message: '"query" is priced as metered usage at 0.2 per unit: send quantity' });
    expect(amountOf(rules, 'nps', undefined, undefined)).toMatchObject({ field: 'quantity' });
  });

  it('names the verifier the terms give each third-party type, from components and declarations', () => {
    expect(Object.fromEntries(typeRulesOf(terms).verifiers)).toEqual({ savings: 'Auditor Ltd' });
    const declared = typeRulesOf({
      ...terms,
      outcomeTypes: { congestion_reduction_pct: { verification: 'third_party', verifier: 'sz-traffic-bureau' } },
    });
    expect(Object.fromEntries(declared.verifiers)).toEqual({ savings: 'Auditor Ltd', congestion_reduction_pct: 'sz-traffic-bureau' });
  });

  it('gives a 30-day dispute window when the terms say nothing', () => {
    expect(typeRulesOf({ components: terms.components.slice(0, 1) }).disputeWindowDays).toBe(30);
  });
});
