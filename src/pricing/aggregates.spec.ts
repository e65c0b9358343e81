import { IdsDigest, negateAggregate } from './aggregates';

describe('outcome aggregates', () => {
  const a = '01a20901-5641-72cd-9df4-789ed0f287ac';
  const b = '01a20901-4fa4-7f3d-b731-1f7aafae7f2a';

  it('digests a set of ids the same in any order, and an id twice cancels out', () => {
    expect(IdsDigest.of([a, b])).toBe(IdsDigest.of([b, a]));
    expect(IdsDigest.of([a, b, b])).toBe(IdsDigest.of([a]));
    expect(IdsDigest.of([a])).toBe('xor128:01a20901564172cd9df4789ed0f287ac');
    expect(IdsDigest.of([])).toBe('xor128:' + '0'.repeat(32));
  });

  it('negates count and sums of a reversal, keeping zero plain', () => {
    const n = negateAggregate({ outcomeType: 'report', count: '2', quantitySum: '2', valueSum: '0', idsDigest: 'x' });
    expect(n).toEqual({ outcomeType: 'report', count: '-2', quantitySum: '-2', valueSum: '0', idsDigest: 'x' });
  });
});
