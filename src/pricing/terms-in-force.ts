import { addDays } from '../kernel/calendar';
import type { BillingPeriod } from './types';

/**
 * The one rule for "which terms version is in force": on a local date (YYYY-MM-DD, in the
 * contract's timezone) the version with the latest `effectiveFrom` on or before that date.
 * Billing, outcome rules, reports and the offline verifier all ask this function.
 */
export function versionInForce<T extends { effectiveFrom: string }>(versions: readonly T[], localDate: string): T | undefined {
  let best: T | undefined;
  for (const v of versions) if (v.effectiveFrom <= localDate && (!best || v.effectiveFrom > best.effectiveFrom)) best = v;
  return best;
}

/**
 * The version an invoice of `period` is priced with: the one in force on the period's last day
 * (the latest taking effect before the period ends). An amendment can never take effect inside an
 * invoiced period, so this stays the same after the invoice is finalized.
 */
export function versionForPeriod<T extends { effectiveFrom: string }>(versions: readonly T[], period: BillingPeriod): T | undefined {
  return versionInForce(versions, addDays(period.end, -1));
}
