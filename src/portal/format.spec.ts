import { formatDate, formatDateTime, formatMoney, formatRate, localeFromAcceptLanguage, timeLeft } from './format';

describe('portal formatting', () => {
  it('formats an amount from its decimal string without losing a digit', () => {
    expect(formatMoney('12345678901234567.89', 'CNY', 'en')).toBe('CN¥12,345,678,901,234,567.89');
    expect(formatMoney('1416666.67', 'CNY', 'zh-CN')).toBe('¥1,416,666.67');
    expect(formatMoney('0.27', 'USD', 'en')).toBe('$0.27');
    expect(formatMoney(null, 'CNY', 'en')).toBe('—');
  });

  it('shows instants in the contract’s timezone and calendar dates as they are', () => {
    expect(formatDateTime('2026-03-31T16:30:00Z', 'Asia/Shanghai', 'en')).toContain('Apr 1, 2026');
    expect(formatDate('2026-03-01', 'en')).toBe('Mar 1, 2026');
    expect(formatDate('2026-03-01', 'zh-CN')).toBe('2026年3月1日');
  });

  it('shows a rate as a percentage', () => {
    expect(formatRate('0.78', 'en')).toBe('78%');
  });

  it('picks the language from Accept-Language by preference', () => {
    expect(localeFromAcceptLanguage('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN');
    expect(localeFromAcceptLanguage('en-US,en;q=0.9')).toBe('en');
    expect(localeFromAcceptLanguage('fr;q=1, en;q=0.5, zh-TW;q=0.7')).toBe('zh-CN');
    expect(localeFromAcceptLanguage('fr')).toBeNull();
  });

  it('counts the time left in whole days and hours', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    expect(timeLeft(new Date('2026-03-03T05:30:00Z'), now)).toEqual({ days: 2, hours: 5, past: false });
    expect(timeLeft(new Date('2026-02-28T00:00:00Z'), now).past).toBe(true);
  });
});
