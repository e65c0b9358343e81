// The engine input of an invoice from the rows billing and the offline verifier load: one
// assembly, so that a finalized invoice and its recomputation cannot drift apart.
//
// Per earlier invoiced period of the contract: what the invoices finalized before this one billed
// (`billed`), outcomes verified since (`late`, +1) and billed outcomes reversed since (`reversed`,
// as positive aggregates). Late outcomes become a late_verified adjustment over `billed`; reversals
// are priced after the late outcomes of the same period (over billed + late), so the two lines add up.
import { negateAggregate } from './aggregates';
import type { BillingPeriod, KpiMeasurement, OutcomeAggregate, PeriodAdjustmentInput, PricingContract, PricingInput, SpendLimit, Stretch, Terms, TermsSegment } from './types';

export interface EarlierPeriodRows {
  period: BillingPeriod;
  /** A split period gives one row per stretch: the stretch, with its version's terms below. */
  segment?: Stretch;
  /** The terms its invoice was priced with. */
  terms: Terms;
  /** The KPI measurements of that period its guarantees read. */
  kpis: KpiMeasurement[];
  billed: OutcomeAggregate[];
  late: OutcomeAggregate[];
  reversed: OutcomeAggregate[];
}

export interface InvoiceRows {
  contract: PricingContract;
  terms: Terms;
  period: BillingPeriod;
  aggregates: OutcomeAggregate[];
  /** A period split by an amendment: its stretches, each with its terms and aggregates (`aggregates` empty). */
  segments?: TermsSegment[];
  kpis: KpiMeasurement[];
  earlier: EarlierPeriodRows[];
  /** The hard limit the invoice recorded, if any. */
  spendLimit?: SpendLimit;
}

/** The contract fields the engine reads, from any contract row or document that has them. */
export function pricingContractOf(c: PricingContract): PricingContract {
  return { currency: c.currency, timezone: c.timezone, taxRate: c.taxRate, startsOn: c.startsOn, endsOn: c.endsOn, billingCycle: c.billingCycle };
}

/** The adjustments of the earlier periods' changes, in period order, late outcomes before reversals. */
export function periodAdjustments(earlier: EarlierPeriodRows[]): PeriodAdjustmentInput[] {
  const out: PeriodAdjustmentInput[] = [];
  for (const { period, segment, terms, kpis, billed, late, reversed } of earlier) {
    const at = segment ? { segment } : {};
    if (late.length) out.push({ kind: 'late_verified', period, ...at, terms, kpis, billed, delta: late });
    if (reversed.length) out.push({ kind: 'reversal', period, ...at, terms, kpis, billed: [...billed, ...late], delta: reversed.map(negateAggregate) });
  }
  return out;
}

export function invoicePricingInput(rows: InvoiceRows): PricingInput {
  const adjustments = periodAdjustments(rows.earlier);
  return {
    contract: pricingContractOf(rows.contract),
    terms: rows.terms,
    period: { start: rows.period.start, end: rows.period.end },
    aggregates: rows.aggregates,
    ...(rows.segments ? { segments: rows.segments } : {}),
    kpis: rows.kpis,
    ...(adjustments.length ? { adjustments } : {}),
    ...(rows.spendLimit ? { spendLimit: rows.spendLimit } : {}),
  };
}
