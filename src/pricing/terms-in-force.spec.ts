import Decimal from 'decimal.js';
import fc from 'fast-check';
import { addDays } from '../kernel/calendar';
import { versionForPeriod, versionInForce, versionSegments } from './terms-in-force';

const versions = [
  { id: 'v1', effectiveFrom: '2026-01-01' },
  { id: 'v3', effectiveFrom: '2026-03-15' },
  { id: 'v2', effectiveFrom: '2026-02-01' },
];

describe('the terms version in force', () => {
  it('is the latest taking effect on or before the local date, whatever order the versions come in', () => {
    expect(versionInForce(versions, '2025-12-31')).toBeUndefined();
    expect(versionInForce(versions, '2026-01-31')?.id).toBe('v1');
    expect(versionInForce(versions, '2026-02-01')?.id).toBe('v2');
    expect(versionInForce(versions, '2026-03-14')?.id).toBe('v2');
    expect(versionInForce(versions, '2026-03-15')?.id).toBe('v3');
  });

  it("prices a period with the version in force on its last day: an amendment mid-month governs that month", () => {
    expect(versionForPeriod(versions, { start: '2026-03-01', end: '2026-04-01' })?.id).toBe('v3');
    expect(versionForPeriod(versions, { start: '2026-02-01', end: '2026-03-01' })?.id).toBe('v2');
    expect(versionForPeriod(versions, { start: '2025-12-01', end: '2026-01-01' })).toBeUndefined();
  });
});

describe('splitting a period at the versions in force', () => {
  const march = { start: '2026-03-01', end: '2026-04-01' };

  it('cuts a month at a mid-month amendment into two day ranges, each under its version', () => {
    const segments = versionSegments(versions, march).map((s) => [s.version.id, s.start, s.end, s.days]);
    expect(segments).toEqual([
      ['v2', '2026-03-01', '2026-03-15', 14],
      ['v3', '2026-03-15', '2026-04-01', 17],
    ]);
  });

  it('keeps one segment when the amendment starts on the period boundary, and skips days before any version', () => {
    expect(versionSegments(versions, { start: '2026-02-01', end: '2026-03-01' }).map((s) => [s.version.id, s.days])).toEqual([['v2', 28]]);
    expect(versionSegments(versions, { start: '2025-12-15', end: '2026-01-15' }).map((s) => [s.version.id, s.start, s.days])).toEqual([
      ['v1', '2026-01-01', 14],
    ]);
  });

  it('gives two versions taking effect the same day one segment, under the version versionInForce picks', () => {
    const same = [{ id: 'a', effectiveFrom: '2026-01-01' }, { id: 'b', effectiveFrom: '2026-03-10' }, { id: 'c', effectiveFrom: '2026-03-10' }];
    const got = versionSegments(same, march);
    expect(got.map((s) => s.days)).toEqual([9, 22]);
    expect(got[1].version).toBe(versionInForce(same, '2026-03-10'));
  });

  it('for any amendment day: segments are contiguous, sum to the period, and each day gets the version in force', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }), (a, b) => {
        const vs = [{ id: 'base', effectiveFrom: '2026-02-01' }, { id: 'x', effectiveFrom: addDays(march.start, a) }, { id: 'y', effectiveFrom: addDays(march.start, b) }];
        const segs = versionSegments(vs, march);
        expect(segs[0].start).toBe(march.start);
        expect(segs[segs.length - 1].end).toBe(march.end);
        for (let i = 1; i < segs.length; i++) expect(segs[i].start).toBe(segs[i - 1].end);
        expect(segs.reduce((n, s) => n + s.days, 0)).toBe(31);
        for (const s of segs) for (let d = s.start; d < s.end; d = addDays(d, 1)) expect(versionInForce(vs, d)).toBe(s.version);
      }),
    );
  });

  it('for any split day: a flat fee prorated by days under each half sums to the unsplit fee, to the cent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 10_000_000 }), (a, cents) => {
        const fee = new Decimal(cents).div(100);
        const segs = versionSegments([{ id: 'v', effectiveFrom: '2026-01-01' }, { id: 'w', effectiveFrom: addDays(march.start, a) }], march);
        expect(segs.map((s) => s.days)).toEqual([a, 31 - a]);
        const sum = segs.reduce((acc, s) => acc.plus(fee.times(s.days).div(31)), new Decimal(0));
        expect(sum.toDecimalPlaces(2).toFixed(2)).toBe(fee.toFixed(2));
      }),
    );
  });
});
