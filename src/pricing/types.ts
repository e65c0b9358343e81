// The terms document and the engine's input and output.
// Every amount, rate, quantity and count is a decimal string: the engine turns them into
// Decimal, and no JS number ever carries money.
import type { DateRange } from '../kernel/calendar';
import type { RoundingMode } from '../kernel/decimal';
import type { FlatFeeComponent } from './charges/flat-fee';
import type { PerAreaComponent } from './charges/per-area';
import type { PerOutcomeComponent } from './charges/per-outcome';
import type { UsageComponent, UsageTier } from './charges/usage';
import type { ValueShareComponent } from './charges/value-share';

export type DecimalString = string;

/** Who may move an outcome of this type from `recorded` to `verified`. */
export type Verification = 'auto' | 'customer' | 'third_party';
export type Comparator = 'gte' | 'gt' | 'lte' | 'lt';
export type WhenKpiMissing = 'block' | 'assume_met' | 'assume_missed';
export type { RoundingMode };

/** Reads a verified KPI measurement of the period and changes the fee when it misses. */
export interface GuaranteeClause {
  /** Outcome type of the KPI measurement, e.g. `congestion_reduction_pct`. */
  kpi: string;
  comparator: Comparator;
  threshold: DecimalString;
  /** Multiply the component's (or invoice's) unrounded amount by this when missed (0..1). */
  multiplierIfMissed?: DecimalString;
  /** Or: subtract this fixed credit when missed (never below zero). */
  creditIfMissed?: DecimalString;
  /** Default `block`: the engine refuses, naming the KPI. */
  whenMissing?: WhenKpiMissing;
}

/** Modifiers any component may carry. */
export interface ComponentModifiers {
  /** Minimum commitment for the period: a true-up line when the component falls short. */
  minimum?: DecimalString;
  /** The component never charges more than this per period. */
  cap?: DecimalString;
  guarantee?: GuaranteeClause;
}

/** What every component may carry besides its model's own fields. */
export interface ComponentBase extends ComponentModifiers {
  /** Line key; defaults to the metric for `usage`, otherwise the type (suffixed `#2`… when repeated). */
  key?: string;
  description?: string;
}

// Each component's own fields are declared beside its charge model (src/pricing/charges).
export type { FlatFeeComponent, PerAreaComponent, PerOutcomeComponent, UsageComponent, UsageTier, ValueShareComponent };

export type PriceComponent =
  | FlatFeeComponent
  | ValueShareComponent
  | PerOutcomeComponent
  | PerAreaComponent
  | UsageComponent;

export type ComponentType = PriceComponent['type'];

/** An outcome type the terms know without pricing it directly (a KPI, a value to report). */
export interface OutcomeTypeDeclaration {
  verification: Verification;
  verifier?: string;
  unit?: string;
  /** For ROI: the money value of one verified outcome of this type. */
  valuePerUnit?: DecimalString;
}

/** One immutable version of a contract's pricing. */
export interface Terms {
  components: PriceComponent[];
  /** Whole-invoice minimum commitment per period (true-up line). */
  minimum?: DecimalString;
  /** Whole-invoice cap per period (a negative line brings the subtotal down to it). */
  cap?: DecimalString;
  /** Whole-invoice guarantee. */
  guarantee?: GuaranteeClause;
  rounding?: RoundingMode;
  /** Days after verification during which the customer may dispute; default 30. */
  disputeWindowDays?: number;
  /** KPIs and other outcome types the contract accepts beyond those its components price. */
  outcomeTypes?: Record<string, OutcomeTypeDeclaration>;
}

export interface PricingContract {
  currency: string; // ISO 4217
  timezone: string; // IANA
  taxRate: DecimalString; // 0..1
  startsOn: string; // YYYY-MM-DD
  endsOn?: string | null; // YYYY-MM-DD, inclusive last day
  billingCycle: 'monthly' | 'annual';
}

/** `[start, end)` as local dates in the contract's timezone. */
export type BillingPeriod = DateRange;

/** What SQL aggregated for one outcome type (optionally one dimension value) in a period. */
export interface OutcomeAggregate {
  outcomeType: string;
  /** Present when the line is broken down: `{ hospital: "H3" }`. */
  dimensions?: Record<string, string>;
  count: DecimalString;
  quantitySum: DecimalString;
  valueSum: DecimalString;
  /** Sums the charge models ask for (`aggregateMeasures`), by `measureKey`; absent when none is asked. */
  measures?: Record<string, DecimalString>;
  /** sha256 hex of the sorted ids of the outcomes included. */
  idsDigest: string;
}

export interface KpiMeasurement {
  kpi: string;
  value: DecimalString;
  outcomeId: string;
  occurredAt: string; // ISO 8601
}

/**
 * A stretch of a billing period governed by one terms version, when an amendment took effect
 * inside the period: local dates [start, end), and `from`, the first day of the period's first
 * stretch (days before any version is in force belong to none). Per-period amounts are prorated by
 * the stretch's share of the days from `from` to the period's end (see amendment.ts).
 */
export interface Stretch {
  start: string;
  end: string;
  from: string;
  /** The terms version governing it, named in the trace. */
  termsVersionId?: string;
}

/** One stretch of a split period with its version's terms and the aggregates of outcomes dated in it. */
export interface TermsSegment extends Stretch {
  terms: Terms;
  aggregates: OutcomeAggregate[];
}

/** Outcomes that changed after their period was invoiced, priced under that period's terms. */
export interface PeriodAdjustmentInput {
  kind: 'late_verified' | 'reversal';
  period: BillingPeriod;
  /** When the period was split by an amendment: the stretch `terms` governed (delta and billed are of it). */
  segment?: Stretch;
  terms: Terms;
  kpis: KpiMeasurement[];
  /** What the finalized invoices of that period already billed. */
  billed: OutcomeAggregate[];
  /** The change: positive for late-verified outcomes, negative counts and sums for reversals. */
  delta: OutcomeAggregate[];
}

/** The hard limit of the contract's spend controls in force for the period (#19 item 4). */
export interface SpendLimit {
  /** Per period, compared with the period's lines before tax. */
  budget: DecimalString;
  /** The spend-controls version it comes from (recorded in the trace). */
  controlsVersionId?: string;
}

export interface PricingInput {
  contract: PricingContract;
  terms: Terms;
  period: BillingPeriod;
  /** Verified, billable aggregates of the period; whole-type rows, plus per-dimension rows for breakdowns. */
  aggregates: OutcomeAggregate[];
  /** Verified KPI measurements of the period. */
  kpis: KpiMeasurement[];
  adjustments?: PeriodAdjustmentInput[];
  /** Present when the spend controls' hard limit is on: outcome-priced lines beyond the budget are not billed. */
  spendLimit?: SpendLimit;
  /**
   * A period split by a mid-period amendment: two or more contiguous stretches ending at the
   * period's end, each priced by its own version over the outcomes dated in it (`aggregates`
   * must then be empty). `terms` is the version in force on the period's last day: it gives the
   * invoice's rounding and guarantee.
   */
  segments?: TermsSegment[];
}

export type LineKind = 'charge' | 'included_allowance' | 'minimum_true_up' | 'cap' | 'guarantee_credit' | 'adjustment' | 'spend_limit';

export interface InvoiceLine {
  key: string;
  componentType: ComponentType | 'invoice';
  kind: LineKind;
  description: string;
  quantity: DecimalString;
  unitPrice: DecimalString | null;
  /** Exact amount before rounding. */
  unroundedAmount: DecimalString;
  /** Rounded once to the currency's minor unit. */
  amount: DecimalString;
  dimensions?: Record<string, string>;
  adjustment?: { kind: PeriodAdjustmentInput['kind']; period: BillingPeriod };
}

export interface GuaranteeEvaluation {
  kpi: string;
  comparator: Comparator;
  threshold: DecimalString;
  measured: DecimalString | null;
  measurementId: string | null;
  result: 'met' | 'missed' | 'assumed_met' | 'assumed_missed';
  effect: string; // e.g. "× 0.5" or "− 1000.00" or "none"
}

export interface TraceLine {
  key: string;
  formula: string;
  inputs: Record<string, unknown>;
  guarantee?: GuaranteeEvaluation;
  rounding: { mode: RoundingMode; decimals: number; unrounded: DecimalString; rounded: DecimalString };
}

export interface CalculationTrace {
  engineVersion: string;
  contract: PricingContract;
  period: BillingPeriod;
  /** Only for a period split by an amendment: each stretch, its version and the digest of its terms. */
  segments?: Array<{ start: string; end: string; days: number; termsVersionId: string | null; termsSha256: string }>;
  lines: TraceLine[];
  subtotal: DecimalString;
  tax: { rate: DecimalString; unrounded: DecimalString; amount: DecimalString };
  total: DecimalString;
}

export interface PricedInvoice {
  ok: true;
  currency: string;
  lines: InvoiceLine[];
  subtotal: DecimalString;
  taxRate: DecimalString;
  tax: DecimalString;
  total: DecimalString;
  guarantees: GuaranteeEvaluation[];
  trace: CalculationTrace;
  /** Canonical JSON of `trace`: the same input always gives the same bytes. */
  traceJson: string;
  /** sha256 hex of `traceJson`. */
  traceDigest: string;
}

export type PricingRefusalCode = 'KPI_MEASUREMENT_MISSING' | 'TERMS_INVALID' | 'PERIOD_OUTSIDE_CONTRACT';

export interface PricingRefusal {
  ok: false;
  code: PricingRefusalCode;
  /** Human-readable, e.g. "no verified congestion_reduction_pct measurement for the period". */
  reason: string;
  details: Record<string, unknown>;
}

export type PricingResult = PricedInvoice | PricingRefusal;

/** A field error from `parseTerms`: a JSON path such as `components[1].rate`. */
export interface TermsFieldError {
  path: string;
  message: string;
}

export type ParseTermsResult = { ok: true; terms: Terms } | { ok: false; errors: TermsFieldError[] };
