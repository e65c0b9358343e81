import { Money } from '../common/money';

/** Decimal places of an acceptance rate: 7,800 of 10,000 judged is "0.78", 2 of 3 "0.6667". */
export const ACCEPTANCE_RATE_PLACES = 4;

/**
 * The one acceptance rate: verified ÷ (verified + rejected), rounded half-up to four places and
 * written without trailing zeros (the ROI report's form, kept byte for byte); null when nothing
 * was judged. Outcome stats and the reports both ask this function.
 */
export function acceptanceRate(verified: number, rejected: number): string | null {
  const judged = verified + rejected;
  if (judged === 0) return null;
  return new Money(verified).dividedBy(judged).toDecimalPlaces(ACCEPTANCE_RATE_PLACES, Money.ROUND_HALF_UP).toFixed();
}
