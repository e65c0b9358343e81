import type { ValueTransformer } from 'typeorm';
import { Dec } from '../kernel/decimal';

/** Decimal for application code: the kernel's one configuration (plain notation, 50 digits). */
export const Money = Dec;
export type Money = Dec;

/** `numeric` columns come back from pg as strings with padded scale; keep them strings, normalised ("0.060000" → "0.06"). */
export const numericString: ValueTransformer = {
  to: (v: string | null | undefined) => v,
  from: (v: string | null) => (v === null || v === undefined ? v : new Money(v).toFixed()),
};
