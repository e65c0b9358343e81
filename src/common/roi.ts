// The one ROI rule: reports, statements, simulations and quotes all state ROI with it.
import type Decimal from 'decimal.js';
import { Money } from './money';

/** (value − fees) ÷ fees × 100 with 2 decimals, half up; null when there are no fees. */
export function roiPercent(value: Decimal | string, fees: Decimal | string): string | null {
  const f = new Money(fees);
  if (f.isZero()) return null;
  return new Money(value).minus(f).dividedBy(f).times(100).toFixed(2, Money.ROUND_HALF_UP);
}
