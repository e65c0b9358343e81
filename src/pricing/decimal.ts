// The engine's own Decimal: a clone, so the global decimal.js configuration is never touched.
// Precision 50 significant digits; toString never switches to exponent notation.
import Decimal from 'decimal.js';
import type { RoundingMode } from './types';

export const Dec = Decimal.clone({
  precision: 50,
  rounding: Decimal.ROUND_HALF_UP,
  toExpNeg: -9e15,
  toExpPos: 9e15,
  minE: -9e15,
  maxE: 9e15,
});
export type Dec = Decimal;

export const ZERO: Decimal = new Dec(0);
export const ONE: Decimal = new Dec(1);

/** A decimal string in plain notation: optional minus, digits, optional fraction. */
export const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;

export function dec(value: string | Decimal): Decimal {
  return new Dec(value);
}

export function roundingOf(mode: RoundingMode): Decimal.Rounding {
  return mode === 'HALF_EVEN' ? Decimal.ROUND_HALF_EVEN : Decimal.ROUND_HALF_UP;
}

/** Rounds to `decimals` places with the given mode (ROUND_HALF_UP rounds halves away from zero). */
export function roundTo(value: Decimal, decimals: number, mode: RoundingMode): Decimal {
  return value.toDecimalPlaces(decimals, roundingOf(mode));
}

/** Fixed-point string with exactly `decimals` places; never "-0.00". Input must already be rounded. */
export function fixed(value: Decimal, decimals: number, mode: RoundingMode = 'HALF_UP'): string {
  const v = value.isZero() ? ZERO : value;
  return v.toFixed(decimals, roundingOf(mode));
}

/** Exact plain-notation string of an unrounded value (no exponent, no "-0"). */
export function plain(value: Decimal): string {
  const v = value.isZero() ? ZERO : value;
  return v.toFixed();
}

export function dmin(a: Decimal, b: Decimal): Decimal {
  return a.lessThan(b) ? a : b;
}

export function dmax(a: Decimal, b: Decimal): Decimal {
  return a.greaterThan(b) ? a : b;
}

export function dsum(values: Decimal[]): Decimal {
  return values.reduce((acc, v) => acc.plus(v), ZERO);
}
