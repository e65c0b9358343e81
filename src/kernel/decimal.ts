// The one Decimal configuration of the code base: pricing, money in services, the ledger's amounts
// and the ROI chart all use this clone, so the global decimal.js configuration is never touched.
// Precision 50 significant digits (the engine's unrounded amounts are carried to 50 digits and
// recorded in invoice traces: changing it changes past traces); toString never switches to
// exponent notation.
import Decimal from 'decimal.js';

export const Dec = Decimal.clone({
  precision: 50,
  rounding: Decimal.ROUND_HALF_UP,
  toExpNeg: -9e15,
  toExpPos: 9e15,
  minE: -9e15,
  maxE: 9e15,
});
export type Dec = Decimal;

export type RoundingMode = 'HALF_UP' | 'HALF_EVEN';

export const ZERO: Decimal = new Dec(0);
export const ONE: Decimal = new Dec(1);

/**
 * The syntax of a decimal string at the edges (terms documents, money fields of requests): plain
 * notation, optional minus, at most 20 integer and 12 fraction digits — what `numeric(32,12)` holds.
 */
export const DECIMAL_STRING = /^-?\d{1,20}(\.\d{1,12})?$/;

/** A decimal string in plain notation of any length: optional minus, digits, optional fraction. */
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

/** Plain notation with at least `decimals` places, more if the value has more; never rounds. */
export function atLeastPlaces(value: Decimal, decimals: number): string {
  return value.toFixed(Math.max(decimals, value.decimalPlaces()));
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
