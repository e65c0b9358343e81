import { PLAIN_DECIMAL } from '../kernel/decimal';

/** Thrown for malformed engine input other than terms (a caller bug, not a business refusal). */
export class PricingInputError extends TypeError {}

/** A plain decimal string of the engine's input, or a PricingInputError naming `what`. */
export function checkDecimal(value: unknown, what: string): string {
  if (typeof value !== 'string' || !PLAIN_DECIMAL.test(value)) {
    throw new PricingInputError(`${what} must be a plain decimal string, got ${JSON.stringify(value)}`);
  }
  return value;
}
