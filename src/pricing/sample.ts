// A quote's engine input: a sample of expected outcomes aggregated for one period exactly as
// billing's SQL aggregates recorded ones (billing-inputs.repository.ts), every one counted verified.
// Pure: the quote prices what it builds here with the same priceInvoice as billing.
import { localDate } from '../kernel/calendar';
import { dec, plain } from '../kernel/decimal';
import { PeriodAggregates } from './aggregates';
import { CaseBook } from './cases';
import { caseKeyOf, type CasesMeasure } from './charges/measures';
import { aggregateMeasures, billableOutcomeTypes, breakdownDimensions, guaranteeKpis } from './terms';
import type { BillingPeriod, KpiMeasurement, PricingContract, PricingInput, Terms } from './types';

export interface SampleOutcome {
  type: string;
  /** ISO 8601 with an offset. */
  occurredAt: string;
  quantity?: string;
  value?: string;
  dimensions?: Record<string, string>;
}

/** The synthetic id of the i-th sample outcome (0-based): `00000000-0000-0000-0000-000000000001` for the first. */
export function sampleOutcomeId(i: number): string {
  return `00000000-0000-0000-0000-${(i + 1).toString(16).padStart(12, '0')}`;
}

/** The sample's outcomes occurring in the period, by the contract's local dates, with their positions. */
export function inPeriod(sample: readonly SampleOutcome[], period: BillingPeriod, timezone: string): Array<{ o: SampleOutcome; i: number; day: string }> {
  return sample.flatMap((o, i) => {
    const day = localDate(o.occurredAt, timezone);
    return day >= period.start && day < period.end ? [{ o, i, day }] : [];
  });
}

export function samplePricingInput(contract: PricingContract, terms: Terms, period: BillingPeriod, sample: readonly SampleOutcome[]): PricingInput {
  const billable = billableOutcomeTypes(terms);
  const kpiTypes = guaranteeKpis(terms);
  const aggregates = new PeriodAggregates(breakdownDimensions([terms]), aggregateMeasures([terms]));
  const latest = new Map<string, { o: SampleOutcome; i: number; at: number }>();
  // Charge once per case: every sample outcome counts as billed, so a case with an outcome in an
  // earlier period of the quote is charged there, not again in this one.
  const cases = aggregateMeasures([terms]).flatMap((m) => (m.kind === 'cases' ? [{ m, book: new CaseBook<Record<string, string>>() }] : []));
  const sight = (o: SampleOutcome, i: number, role: 'current' | undefined) => {
    for (const c of cases)
      if (c.m.outcomeType === o.type)
        c.book.see({
          case: caseKeyOf(c.m.dimension, { id: sampleOutcomeId(i), dimensions: o.dimensions ?? {} }),
          id: sampleOutcomeId(i),
          occurredAt: new Date(o.occurredAt).toISOString(),
          role,
          liveBefore: role === undefined,
          liveAfter: true,
          target: o.dimensions ?? {},
        });
  };
  if (cases.length)
    sample.forEach((o, i) => {
      if (billable.has(o.type) && localDate(o.occurredAt, contract.timezone) < period.start) sight(o, i, undefined);
    });
  for (const { o, i, day } of inPeriod(sample, period, contract.timezone)) {
    if (billable.has(o.type)) {
      aggregates.add({ type: o.type, quantity: o.quantity ?? '', value: o.value ?? '' }, o.dimensions ?? {}, Buffer.from(sampleOutcomeId(i).replace(/-/g, ''), 'hex'), day);
      sight(o, i, 'current');
    }
    // The latest measurement of each KPI in the period (later occurrence, then later in the sample), as billing's DISTINCT ON.
    if (kpiTypes.includes(o.type) && (o.quantity ?? o.value) !== undefined) {
      const at = new Date(o.occurredAt).getTime();
      const seen = latest.get(o.type);
      if (!seen || at > seen.at || (at === seen.at && i > seen.i)) latest.set(o.type, { o, i, at });
    }
  }
  for (const c of cases) for (const { target } of c.book.charged()) aggregates.addCaseCharge(c.m.outcomeType, target!, (c.m as CasesMeasure).dimension);
  const kpis: KpiMeasurement[] = [...latest.entries()].map(([kpi, { o, i, at }]) => ({
    kpi,
    value: plain(dec((o.quantity ?? o.value)!)),
    outcomeId: sampleOutcomeId(i),
    occurredAt: new Date(at).toISOString(),
  }));
  return { contract, terms, period, aggregates: aggregates.list(), kpis };
}
