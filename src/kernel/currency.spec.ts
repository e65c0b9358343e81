import { ISO_4217_CODES, isIsoCurrency, minorUnits } from './currency';

describe('currencies', () => {
  it('lists the active ISO 4217 currencies, alphabetically and without repeats', () => {
    expect(ISO_4217_CODES.length).toBeGreaterThanOrEqual(150);
    expect([...ISO_4217_CODES].sort()).toEqual(ISO_4217_CODES);
    expect(new Set(ISO_4217_CODES).size).toBe(ISO_4217_CODES.length);
    for (const code of ISO_4217_CODES) expect(code).toMatch(/^[A-Z]{3}$/);
  });

  it.each(['JPY', 'KRW', 'VND', 'CLP', 'ISK', 'UGX', 'XAF', 'XOF', 'XPF', 'PYG', 'RWF', 'KMF', 'GNF', 'VUV', 'DJF', 'BIF'])(
    '%s has no minor unit',
    (code) => expect(minorUnits(code)).toBe(0),
  );

  it.each(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'])('%s has three decimals', (code) => expect(minorUnits(code)).toBe(3));

  it.each(['CNY', 'USD', 'EUR', 'GBP', 'CHF', 'INR', 'BRL'])('%s has two decimals', (code) => expect(minorUnits(code)).toBe(2));

  it('rejects codes that are not active ISO 4217 currencies', () => {
    expect(isIsoCurrency('CNY')).toBe(true);
    for (const code of ['cny', 'XXX', 'XAU', 'ABC', '', 'US']) expect(isIsoCurrency(code)).toBe(false);
    expect(() => minorUnits('ABC')).toThrow(/unknown ISO 4217/);
  });
});
