import Decimal from 'decimal.js';
import { atLeastPlaces, Dec, dec, DECIMAL_STRING, fixed, plain, roundTo } from './decimal';

describe('the one decimal configuration', () => {
  it('carries 50 significant digits and rounds halves away from zero', () => {
    expect(plain(dec('2').div(3))).toBe(`0.${'6'.repeat(49)}7`);
    expect(fixed(roundTo(dec('-0.005'), 2, 'HALF_UP'), 2)).toBe('-0.01');
    expect(fixed(roundTo(dec('0.125'), 2, 'HALF_EVEN'), 2)).toBe('0.12');
  });

  it('never prints exponent notation, however large or small the value', () => {
    expect(new Dec('1e40').toString()).toBe(`1${'0'.repeat(40)}`);
    expect(new Dec('1e-30').toString()).toBe(`0.${'0'.repeat(29)}1`);
  });

  it('leaves the global decimal.js configuration alone', () => {
    expect(Decimal.precision).toBe(20);
    expect(new Decimal('1e40').toString()).toBe('1e+40');
  });

  it('prints at least the given places and never rounds a longer value', () => {
    expect(atLeastPlaces(dec('100'), 2)).toBe('100.00');
    expect(atLeastPlaces(dec('100.004'), 2)).toBe('100.004');
    expect(atLeastPlaces(dec('5.000'), 0)).toBe('5');
  });

  it('accepts decimal strings of at most 20 integer and 12 fraction digits in plain notation', () => {
    for (const ok of ['0', '-12.50', '1'.repeat(20), `1.${'0'.repeat(12)}`]) expect(DECIMAL_STRING.test(ok)).toBe(true);
    for (const bad of ['1e3', '1.', '.5', '+1', '1'.repeat(21), `1.${'0'.repeat(13)}`, '1,5']) expect(DECIMAL_STRING.test(bad)).toBe(false);
  });
});
