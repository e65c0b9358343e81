import { activeDays, addDays, daysBetween, isIsoDate, monthPeriod, periodForCycle, periodLabel, yearPeriod } from './period';

describe('periods', () => {
  it('maps a month label to [first day, first day of next month)', () => {
    expect(monthPeriod('2026-03')).toEqual({ start: '2026-03-01', end: '2026-04-01' });
    expect(monthPeriod('2026-12')).toEqual({ start: '2026-12-01', end: '2027-01-01' });
    expect(() => monthPeriod('2026-13')).toThrow();
  });

  it('picks the month or the year by the billing cycle', () => {
    expect(periodForCycle({ billingCycle: 'monthly' }, '2026-02')).toEqual({ start: '2026-02-01', end: '2026-03-01' });
    expect(periodForCycle({ billingCycle: 'annual' }, '2026')).toEqual({ start: '2026-01-01', end: '2027-01-01' });
    expect(yearPeriod('2028')).toEqual({ start: '2028-01-01', end: '2029-01-01' });
  });

  it('counts days between local dates, leap years included', () => {
    expect(daysBetween('2026-03-01', '2026-04-01')).toBe(31);
    expect(daysBetween('2026-02-01', '2026-03-01')).toBe(28);
    expect(daysBetween('2028-02-01', '2028-03-01')).toBe(29);
    expect(daysBetween('2026-01-01', '2027-01-01')).toBe(365);
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
  });

  it('counts the active days of a contract inside a period, the last day inclusive', () => {
    const march = monthPeriod('2026-03');
    expect(activeDays(march, '2026-03-10')).toBe(22);
    expect(activeDays(march, '2026-01-01')).toBe(31);
    expect(activeDays(march, '2026-01-01', '2026-03-09')).toBe(9);
    expect(activeDays(march, '2026-03-10', '2026-03-10')).toBe(1);
    expect(activeDays(march, '2026-04-01')).toBe(0);
    expect(activeDays(march, '2025-01-01', '2026-02-28')).toBe(0);
  });

  it('validates calendar dates', () => {
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(isIsoDate('2026-3-1')).toBe(false);
  });

  it('labels calendar months and years', () => {
    expect(periodLabel(monthPeriod('2026-03'))).toBe('2026-03');
    expect(periodLabel(yearPeriod('2026'))).toBe('2026');
    expect(periodLabel({ start: '2026-03-05', end: '2026-03-20' })).toBe('2026-03-05..2026-03-20');
  });
});
