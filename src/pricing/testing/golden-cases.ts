// The inputs of the golden invoices (src/pricing/golden/): every seed scenario's invoiced periods
// and a few edge contracts. Each case is given as the rows billing and the offline verifier load
// (this period's aggregates and KPIs, and per earlier invoiced period what it billed, what was
// verified late and what was reversed), so the golden spec can price it both through the engine
// directly and through the verifier's recompute path.
import { negateAggregate } from '../aggregates';
import { parseTerms } from '../terms';
import type { InvoiceRows } from '../invoice-inputs';
import type { KpiMeasurement, OutcomeAggregate, PeriodAdjustmentInput, PricingContract, PricingInput, Terms } from '../types';
import { scenarioPricingInput } from './scenario-input';
import type { SeedScenario } from '../scenario-terms';

/** A golden invoice: its name (the golden files' stem) and the rows it is priced from. */
export interface GoldenCase extends InvoiceRows {
  name: string;
}

/**
 * The engine input of a case, written out here by hand rather than with the shared assembly
 * (src/pricing/invoice-inputs.ts) so that the two paths check each other.
 */
export function goldenEngineInput(c: GoldenCase): PricingInput {
  const adjustments: PeriodAdjustmentInput[] = [];
  for (const p of c.earlier) {
    if (p.late.length > 0) adjustments.push({ kind: 'late_verified', period: p.period, terms: p.terms, kpis: p.kpis, billed: p.billed, delta: p.late });
    if (p.reversed.length > 0)
      adjustments.push({ kind: 'reversal', period: p.period, terms: p.terms, kpis: p.kpis, billed: [...p.billed, ...p.late], delta: p.reversed.map(negateAggregate) });
  }
  return {
    contract: c.contract,
    terms: c.terms,
    period: c.period,
    aggregates: c.aggregates,
    kpis: c.kpis,
    ...(adjustments.length > 0 ? { adjustments } : {}),
  };
}

// Goldens record how stored terms price, some of them (edge-volume-tiers) from before the
// double-pricing rule: parsed as stored terms, so that the goldens stay byte-identical.
function terms(doc: unknown): Terms {
  const parsed = parseTerms(doc, { stored: true });
  if (!parsed.ok) throw new Error(`golden terms invalid: ${JSON.stringify(parsed.errors)}`);
  return parsed.terms;
}

const digest = (n: number) => `xor128:${n.toString(16).padStart(32, '0')}`;

function agg(outcomeType: string, count: string, quantitySum: string, valueSum: string, n: number, dimensions?: Record<string, string>): OutcomeAggregate {
  return { outcomeType, ...(dimensions ? { dimensions } : {}), count, quantitySum, valueSum, idsDigest: digest(n) };
}

const USD: PricingContract = { currency: 'USD', timezone: 'UTC', taxRate: '0', startsOn: '2026-01-01', billingCycle: 'monthly' };
const USD_TAXED: PricingContract = { ...USD, taxRate: '0.0825' };
const MARCH = { start: '2026-03-01', end: '2026-04-01' };
const FEBRUARY = { start: '2026-02-01', end: '2026-03-01' };
const JANUARY = { start: '2026-01-01', end: '2026-02-01' };
const kpi = (name: string, value: string, id: string, occurredAt: string): KpiMeasurement => ({ kpi: name, value, outcomeId: id, occurredAt });

const SHARE = terms({ components: [{ type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'customer' }] });
const PER_REPORT_MIN = terms({
  components: [{ type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer', minimum: '100.00', breakdownBy: 'hospital' }],
});
const TIERS = [
  { upTo: '1000', unitPrice: '0.10', flatAmount: '5.00' },
  { upTo: '5000', unitPrice: '0.08' },
  { upTo: null, unitPrice: '0.05', flatAmount: '20.00' },
];

function seedCases(scenarios: SeedScenario[]): GoldenCase[] {
  const out: GoldenCase[] = [];
  for (const s of scenarios) {
    for (const label of Object.keys(s.expected)) {
      const expected = s.expected[label];
      if (typeof expected.finalize === 'string' && expected.finalize.startsWith('refused')) continue;
      const input = scenarioPricingInput(s, label);
      out.push({ name: `seed-${s.id}-${label}`, contract: input.contract, terms: input.terms, period: input.period, aggregates: input.aggregates, kpis: input.kpis, earlier: [] });
    }
  }
  return out;
}

const EDGE_CASES: GoldenCase[] = [
  {
    name: 'edge-late-verification',
    contract: USD_TAXED,
    terms: SHARE,
    period: MARCH,
    aggregates: [agg('savings', '1', '0', '100000.00', 1)],
    kpis: [],
    earlier: [{ period: FEBRUARY, terms: SHARE, kpis: [], billed: [agg('savings', '2', '0', '50000.00', 2)], late: [agg('savings', '1', '0', '20000.00', 3)], reversed: [] }],
  },
  {
    name: 'edge-reversal',
    contract: USD,
    terms: SHARE,
    period: MARCH,
    aggregates: [agg('savings', '1', '0', '100000.00', 1)],
    kpis: [],
    earlier: [{ period: JANUARY, terms: SHARE, kpis: [], billed: [agg('savings', '3', '0', '90000.00', 4)], late: [], reversed: [agg('savings', '1', '0', '15000.00', 5)] }],
  },
  {
    // One earlier period with both: the reversal is priced on top of the late outcome, under a
    // still binding minimum (so part of the change adds nothing), with a breakdown by hospital.
    name: 'edge-late-and-reversal-under-minimum',
    contract: USD,
    terms: PER_REPORT_MIN,
    period: MARCH,
    aggregates: [agg('report', '12', '12', '0', 6), agg('report', '7', '7', '0', 7, { hospital: 'H1' }), agg('report', '4', '4', '0', 8, { hospital: 'H2' })],
    kpis: [],
    earlier: [
      {
        period: FEBRUARY,
        terms: PER_REPORT_MIN,
        kpis: [],
        billed: [agg('report', '5', '5', '0', 9), agg('report', '5', '5', '0', 9, { hospital: 'H1' })],
        late: [agg('report', '4', '4', '0', 10), agg('report', '4', '4', '0', 10, { hospital: 'H2' })],
        reversed: [agg('report', '1', '1', '0', 11), agg('report', '1', '1', '0', 11, { hospital: 'H1' })],
      },
    ],
  },
  {
    name: 'edge-guarantee-missed-multiplier',
    contract: { ...USD, currency: 'CNY', timezone: 'Asia/Shanghai', taxRate: '0.06' },
    terms: terms({
      components: [
        {
          type: 'per_area', annualRatePerKm2: '2000000.00', areaKm2: '8.5',
          guarantee: { kpi: 'congestion_reduction_pct', comparator: 'gte', threshold: '10', multiplierIfMissed: '0.5', whenMissing: 'block' },
        },
      ],
      outcomeTypes: { congestion_reduction_pct: { verification: 'customer' } },
    }),
    period: MARCH,
    aggregates: [],
    kpis: [
      kpi('congestion_reduction_pct', '12.5', '01900000-0000-7000-8000-000000000101', '2026-03-10T00:00:00Z'),
      kpi('congestion_reduction_pct', '9.99', '01900000-0000-7000-8000-000000000102', '2026-03-31T15:00:00Z'),
    ],
    earlier: [],
  },
  {
    name: 'edge-guarantee-missed-credit-and-invoice-guarantee',
    contract: USD,
    terms: terms({
      components: [
        { type: 'flat_fee', amount: '1000.00', per: 'month', guarantee: { kpi: 'uptime', comparator: 'gte', threshold: '99.9', creditIfMissed: '250.00' } },
        { type: 'usage', metric: 'query', unitPrice: '1' },
      ],
      guarantee: { kpi: 'csat', comparator: 'gte', threshold: '4.5', multiplierIfMissed: '0.8' },
      cap: '1500.00',
      minimum: '500.00',
      outcomeTypes: { uptime: { verification: 'auto' }, csat: { verification: 'customer' } },
    }),
    period: MARCH,
    aggregates: [agg('query', '1', '1000', '0', 12)],
    kpis: [kpi('uptime', '99.5', 'u-1', '2026-03-31T00:00:00Z'), kpi('csat', '4.2', 'c-1', '2026-03-30T00:00:00Z')],
    earlier: [],
  },
  {
    name: 'edge-graduated-tiers-free-units',
    contract: USD_TAXED,
    terms: terms({ components: [{ type: 'usage', metric: 'query', tiers: TIERS, freeUnits: '250', per: '1' }] }),
    period: MARCH,
    aggregates: [agg('query', '3', '6250.5', '0', 13)],
    kpis: [],
    earlier: [],
  },
  {
    name: 'edge-volume-tiers',
    contract: USD,
    terms: terms({
      components: [
        { type: 'usage', metric: 'query', tiers: TIERS, tierMode: 'volume' },
        { type: 'usage', metric: 'query', key: 'query-at-bound', tiers: TIERS, tierMode: 'volume', freeUnits: '5000' },
      ],
    }),
    period: MARCH,
    aggregates: [agg('query', '1', '6000', '0', 14)],
    kpis: [],
    earlier: [],
  },
  {
    name: 'edge-minimum-and-cap',
    contract: { ...USD, startsOn: '2026-03-10', endsOn: '2026-03-25' },
    terms: terms({
      rounding: 'HALF_EVEN',
      components: [
        { type: 'usage', metric: 'query', unitPrice: '0.10', minimum: '500.00' },
        { type: 'value_share', rate: '0.20', outcomeType: 'savings', verification: 'customer', cap: '10000.00' },
        { type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer', breakdownBy: 'hospital', cap: '700.00' },
        { type: 'flat_fee', amount: '1200.00', per: 'year', quantity: '3', unit: 'seat' },
        { type: 'usage', metric: 'sms', unitPrice: '5.00', packageSize: '100' },
      ],
    }),
    period: MARCH,
    aggregates: [
      agg('query', '1', '1234', '0', 15),
      agg('savings', '4', '0', '80000.00', 16),
      agg('report', '60', '60', '0', 17),
      agg('report', '39', '39', '0', 18, { hospital: 'H0' }),
      agg('report', '20', '20', '0', 19, { hospital: 'H1' }),
      agg('sms', '2', '250', '0', 20),
    ],
    kpis: [],
    earlier: [],
  },
];

/** The seed scenarios' cases (from test/fixtures/seed-scenarios.json), then the edge contracts. */
export function goldenCases(scenarios: SeedScenario[]): GoldenCase[] {
  return [...seedCases(scenarios), ...EDGE_CASES];
}
