import { versionForPeriod, versionInForce } from './terms-in-force';

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
