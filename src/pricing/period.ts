// Billing periods: the calendar rules live in src/kernel/calendar.ts; what is pricing's own is
// the cycle of a contract and the days of a period the contract is active.
import { dayNumber, isIsoDate, monthPeriod, yearPeriod } from '../kernel/calendar';
import type { BillingPeriod, PricingContract } from './types';

export { addDays, dayNumber, daysBetween, fromDayNumber, isIsoDate, monthPeriod, periodLabel, yearPeriod } from '../kernel/calendar';

/** The billing period of a label: 'YYYY-MM' for a monthly cycle, 'YYYY' for an annual one. */
export function periodForCycle(contract: Pick<PricingContract, 'billingCycle'>, label: string): BillingPeriod {
  return contract.billingCycle === 'annual' ? yearPeriod(label) : monthPeriod(label);
}

/** Days of [start, end) that fall in the contract's [startsOn, endsOn + 1 day). */
export function activeDays(period: BillingPeriod, startsOn: string, endsOn?: string | null): number {
  const from = Math.max(dayNumber(period.start), dayNumber(startsOn));
  const until = endsOn ? Math.min(dayNumber(period.end), dayNumber(endsOn) + 1) : dayNumber(period.end);
  return Math.max(0, until - from);
}

export function isValidPeriod(period: unknown): period is BillingPeriod {
  if (!period || typeof period !== 'object') return false;
  const p = period as BillingPeriod;
  return isIsoDate(p.start) && isIsoDate(p.end) && dayNumber(p.end) > dayNumber(p.start);
}
