import fc from 'fast-check';
import { numericString } from '../common/money';
import { canonicalOrder, newOutcomeView, NewOutcome, numericText, toOutcomeView } from './outcomes.repository';

describe('outcome views', () => {
  it('read numeric text as numericString does, without a Decimal', () => {
    const numeric = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 26n }), fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 12, maxLength: 12 }))
      .map(([neg, int, frac]) => `${neg ? '-' : ''}${int}.${frac}`);
    fc.assert(fc.property(numeric, (v) => expect(numericText(v)).toBe(numericString.from(v))), { numRuns: 2000 });
    expect(numericText('1.000000000000')).toBe('1');
    expect(numericText('100.500000000000')).toBe('100.5');
    expect(numericText(null)).toBeNull();
  });

  it('are the same whether built from the inserted input or from the stored row', () => {
    const input: NewOutcome = {
      contractId: 'c', externalId: 'e', type: 'savings', quantity: null, value: '400000', occurredAt: '2026-03-31T04:00:00.000Z',
      dimensions: { line: 'L1', a: 'x' }, evidence: { z: 1, a: { y: [1, { d: 2, c: 3 }] } }, evidenceJson: null, evidenceUri: null,
      evidenceSha256: 'f'.repeat(64), status: 'recorded', contentSha256: 'a'.repeat(64), correctsOutcomeId: null,
      objectionWindow: null, timezone: 'Asia/Shanghai',
    };
    const at = new Date('2026-04-01T00:00:00.123Z');
    const stored = toOutcomeView({
      vendor_id: 'v', id: 'i', contract_id: 'c', external_id: 'e', type: 'savings', quantity: null, value: '400000.000000000000',
      occurred_at: new Date('2026-03-31T04:00:00Z'), dimensions: { a: 'x', line: 'L1' }, evidence: { a: { y: [1, { c: 3, d: 2 }] }, z: 1 },
      evidence_uri: null, evidence_sha256: 'f'.repeat(64), status: 'recorded', corrects_outcome_id: null, content_sha256: 'a'.repeat(64),
      verified_at: null, recorded_by_key_id: null, created_at: at, deemed_after: null,
    });
    expect(JSON.stringify(newOutcomeView(input, 'i', at))).toBe(JSON.stringify(stored));
  });

  it('order object keys canonically at every depth, arrays kept in order', () => {
    expect(JSON.stringify(canonicalOrder({ b: [{ d: 1, c: 2 }], a: null }))).toBe('{"a":null,"b":[{"c":2,"d":1}]}');
  });
});
