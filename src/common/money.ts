import Decimal from 'decimal.js';
import type { ValueTransformer } from 'typeorm';

/** Decimal for application code: plain notation, never exponents, ample precision. */
export const Money = Decimal.clone({ precision: 50, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -100, toExpPos: 100 });
export type Money = Decimal;

/** `numeric` columns come back from pg as strings with padded scale; keep them strings, normalised ("0.060000" → "0.06"). */
export const numericString: ValueTransformer = {
  to: (v: string | null | undefined) => v,
  from: (v: string | null) => (v === null || v === undefined ? v : new Money(v).toFixed()),
};
