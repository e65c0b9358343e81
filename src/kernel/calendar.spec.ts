import {
  BOUNDED_MONTH_LABEL,
  localDate,
  localDateTime,
  MONTH_LABEL,
  monthPeriod,
  monthsBetween,
  nextMonthStart,
  PERIOD_LABEL,
  periodLabel,
  periodStartOf,
  YEAR_LABEL,
  yearPeriod,
} from './calendar';

describe('calendar', () => {
  it('lists the months of a range inclusive, across a year end, and none when the range is reversed', () => {
    expect(monthsBetween('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsBetween('2026-03', '2026-03')).toEqual(['2026-03']);
    expect(monthsBetween('2026-04', '2026-03')).toEqual([]);
  });

  it('starts the next month on the first day, December rolling into January', () => {
    expect(nextMonthStart('2026-03')).toBe('2026-04-01');
    expect(nextMonthStart('2026-12')).toBe('2027-01-01');
    expect(monthPeriod('2026-02')).toEqual({ start: '2026-02-01', end: '2026-03-01' });
    expect(yearPeriod('2026')).toEqual({ start: '2026-01-01', end: '2027-01-01' });
  });

  it('puts a local date into the month or year it starts', () => {
    expect(periodStartOf('2026-03-31', 'monthly')).toBe('2026-03-01');
    expect(periodStartOf('2026-03-31', 'annual')).toBe('2026-01-01');
  });

  it('names a calendar month YYYY-MM, a calendar year YYYY and anything else start..end', () => {
    expect(periodLabel({ start: '2026-03-01', end: '2026-04-01' })).toBe('2026-03');
    expect(periodLabel({ start: '2026-01-01', end: '2027-01-01' })).toBe('2026');
    expect(periodLabel({ start: '2026-03-10', end: '2026-04-01' })).toBe('2026-03-10..2026-04-01');
  });

  it('accepts only real month and year labels', () => {
    for (const ok of ['2026-01', '2026-12']) expect(MONTH_LABEL.test(ok) && PERIOD_LABEL.test(ok)).toBe(true);
    for (const bad of ['2026-00', '2026-13', '2026-3', '26-03', '2026-03-01']) expect(MONTH_LABEL.test(bad) || PERIOD_LABEL.test(bad)).toBe(false);
    expect(YEAR_LABEL.test('2026') && PERIOD_LABEL.test('2026')).toBe(true);
    for (const ok of ['1970-01', '2026-03', '2999-12']) expect(BOUNDED_MONTH_LABEL.test(ok)).toBe(true);
    for (const bad of ['1969-12', '3000-01', '2026-13', '2026', '2026-03x']) expect(BOUNDED_MONTH_LABEL.test(bad)).toBe(false);
    expect(YEAR_LABEL.test('202')).toBe(false);
  });

  it("gives an instant's calendar date in the contract's timezone, from a Date or an ISO string", () => {
    expect(localDate('2026-03-31T16:30:00Z', 'Asia/Shanghai')).toBe('2026-04-01');
    expect(localDate(new Date('2026-03-31T16:30:00Z'), 'UTC')).toBe('2026-03-31');
    expect(localDate('2026-01-01T04:59:59Z', 'America/New_York')).toBe('2025-12-31');
  });
});

describe('localDateTime: the local time beside a UTC instant', () => {
  it('writes the wall clock and offset of the zone, across a date line and a DST change', () => {
    expect(localDateTime('2026-11-03T01:15:00Z', 'Asia/Shanghai')).toBe('2026-11-03T09:15:00+08:00');
    expect(localDateTime(new Date('2026-03-01T18:30:00.250Z'), 'Asia/Shanghai')).toBe('2026-03-02T02:30:00+08:00');
    expect(localDateTime('2026-01-15T12:00:00Z', 'America/New_York')).toBe('2026-01-15T07:00:00-05:00');
    expect(localDateTime('2026-07-15T12:00:00Z', 'America/New_York')).toBe('2026-07-15T08:00:00-04:00');
    expect(localDateTime('2026-07-15T12:00:00Z', 'Asia/Kolkata')).toBe('2026-07-15T17:30:00+05:30');
    expect(localDateTime('2026-07-15T12:00:00Z', 'UTC')).toBe('2026-07-15T12:00:00+00:00');
  });
});
