import { addDays, daysBetween } from '../kernel/calendar';
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

/** One stretch of a billing period governed by a single terms version: days [start, end). */
export interface VersionSegment<T> {
  version: T;
  start: string;
  end: string;
  days: number;
}

/**
 * Splits `period` at every version boundary inside it, so a mid-period amendment can be priced
 * day by day: each segment carries the version in force on all of its days. Days before the first
 * version takes effect belong to no segment (nothing is in force to price them). Segments are
 * contiguous, in date order, and their `days` sum to the period's days covered by some version.
 */
export function versionSegments<T extends { effectiveFrom: string }>(versions: readonly T[], period: BillingPeriod): VersionSegment<T>[] {
  const cuts = [...new Set(versions.map((v) => v.effectiveFrom).filter((d) => d > period.start && d < period.end))].sort();
  const bounds = [period.start, ...cuts, period.end];
  const segments: VersionSegment<T>[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const version = versionInForce(versions, bounds[i]);
    if (!version) continue;
    const last = segments[segments.length - 1];
    // Two versions taking effect the same day leave one winner; never emit an empty or repeated stretch.
    if (last && last.version === version) {
      last.end = bounds[i + 1];
      last.days = daysBetween(last.start, last.end);
      continue;
    }
    segments.push({ version, start: bounds[i], end: bounds[i + 1], days: daysBetween(bounds[i], bounds[i + 1]) });
  }
  return segments;
}
