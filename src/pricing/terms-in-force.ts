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
