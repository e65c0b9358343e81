import { LedgerCheckpointView } from '../../ledger/dto/ledger.dto';
import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { IsDecimalString } from '../../common/validation/decorators';
import { PERIOD_LABEL } from '../../audit/dto/audit.dto';

export class RangeQuery {
  @ApiPropertyOptional({ example: '2026-01', description: 'First month (YYYY-MM); default: the contract’s first month' })
  @IsOptional() @Matches(PERIOD_LABEL, { message: 'from must be a month YYYY-MM' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12', description: 'Last month (YYYY-MM), inclusive; default: the current month' })
  @IsOptional() @Matches(PERIOD_LABEL, { message: 'to must be a month YYYY-MM' })
  to?: string;
}

export class PortfolioQuery extends RangeQuery {
  @ApiPropertyOptional({ example: '15', default: '15', description: 'ROI threshold in percent' })
  @IsOptional() @IsDecimalString({ min: '-1000000', max: '1000000', maxDecimals: 2 })
  threshold?: string;
}

export type ReportFormat = 'json' | 'csv' | 'pdf';

export class OutcomeLineView {
  @ApiProperty() id: string;
  @ApiProperty() externalId: string;
  @ApiProperty() type: string;
  @ApiProperty({ description: 'Money value of the outcome (value, or count × valuePerUnit)' }) value: string;
  @ApiProperty() occurredAt: string;
  @ApiProperty({ description: 'occurredAt in the contract’s timezone, ISO 8601 with its offset' }) occurredAtLocal: string;
  @ApiProperty() status: string;
  @ApiProperty({ nullable: true, type: String }) verifiedAt: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'verifiedAt in the contract’s timezone' }) verifiedAtLocal: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Role of the key that verified it: customer, vendor_admin (auto) …; system when deemed' }) verifiedBy: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Deemed accepted: when its objection window lapsed; null when confirmed' }) deemedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) evidenceSha256: string | null;
}

export class VerifiedByView {
  @ApiProperty({ description: 'Verified by a person (customer, verifier) or metered' }) confirmed: number;
  @ApiProperty({ description: 'Deemed accepted: nobody objected within the objection window' }) deemed: number;
}

export class FeesView {
  @ApiProperty({ description: 'Flat parts (flat_fee, per_area lines)' }) flat: string;
  @ApiProperty({ description: 'Share parts (value_share lines)' }) share: string;
  @ApiProperty({ description: 'Every other line (per outcome, usage, invoice-level, adjustments)' }) other: string;
  @ApiProperty({ description: 'Credit notes against the invoice (before tax)' }) credited: string;
  @ApiProperty({ description: 'flat + share + other − credited, before tax' }) net: string;
}

export class YearToDateView {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty() verifiedValue: string;
  @ApiProperty() fees: string;
  @ApiProperty() netBenefit: string;
  @ApiProperty({ nullable: true, type: String }) roiPercent: string | null;
}

export class PendingView {
  @ApiProperty() count: number;
  @ApiProperty() value: string;
}

export class StatementInvoiceLineView {
  @ApiProperty({ description: 'Invoice number carrying the line' }) invoiceNumber: string;
  @ApiProperty({ description: 'Period label of the invoice carrying the line' }) invoicePeriod: string;
  @ApiProperty() key: string;
  @ApiProperty() componentType: string;
  @ApiProperty({ description: 'charge, adjustment, minimum, cap …' }) kind: string;
  @ApiProperty() description: string;
  @ApiProperty({ description: 'On value_share lines and their adjustments: the verified value the line prices (a change of value on adjustments)' })
  quantity: string;
  @ApiProperty() amount: string;
  @ApiProperty({ nullable: true, type: String, enum: ['late_verified', 'reversal'] }) adjustmentKind: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The earlier period (YYYY-MM) an adjustment line corrects' }) adjustsPeriod: string | null;
}

export class StatementCreditNoteView {
  @ApiProperty() number: string;
  @ApiProperty() reason: string;
  @ApiProperty({ description: 'Credited before tax' }) amount: string;
  @ApiProperty({ description: 'Of which value_share lines' }) share: string;
  @ApiProperty() createdAt: string;
  @ApiProperty({ description: 'createdAt in the contract’s timezone, ISO 8601 with its offset' }) createdAtLocal: string;
}

/**
 * How the share is explained: the share on this period's invoice is rate × the value its own lines
 * billed plus the adjustments of earlier periods it carries; later invoices carry this period's
 * own late verifications and reversals; what changed since is not invoiced yet.
 */
export class StatementReconciliationView {
  @ApiProperty({ description: 'Verified value of value_share outcome types that this period’s invoice billed for the period itself' })
  invoicedValue: string;
  @ApiProperty({ description: 'Share lines of the period itself on its invoice: rate × invoicedValue, rounded per line' }) shareOfPeriod: string;
  @ApiProperty({ type: [StatementInvoiceLineView], description: 'Adjustment lines of earlier periods carried by this period’s invoice' })
  carriedAdjustments: StatementInvoiceLineView[];
  @ApiProperty({ description: 'shareOfPeriod + the share parts of carriedAdjustments = fees.share' }) shareOnInvoice: string;
  @ApiProperty({ type: [StatementInvoiceLineView], description: 'Adjustment lines on later invoices that correct this period (late verifications, reversals)' })
  laterAdjustments: StatementInvoiceLineView[];
  @ApiProperty({ type: [StatementCreditNoteView], description: 'Credit notes against this period’s invoice' }) creditNotes: StatementCreditNoteView[];
  @ApiProperty({ description: 'invoicedValue + the value changes of laterAdjustments' }) valueBilledToDate: string;
  @ApiProperty({ description: 'shareOfPeriod + the share parts of laterAdjustments' }) shareBilledToDate: string;
  @ApiProperty({ description: 'Verified value of value_share types now, in dispute included (still billed until reversed)' }) verifiedOrDisputedValue: string;
  @ApiProperty({ description: 'verifiedOrDisputedValue − valueBilledToDate: verified or reversed since, to be adjusted on the next invoice' })
  notYetInvoicedValue: string;
}

export class StatementView {
  @ApiProperty() contractId: string;
  @ApiProperty() contractName: string;
  @ApiProperty() customerId: string;
  @ApiProperty() customerName: string;
  @ApiProperty({ description: "The vendor's legal name (or name when none is recorded)" }) vendorName: string;
  @ApiProperty({ description: 'IANA timezone of the period boundaries; instants are ISO 8601 UTC' }) timezone: string;
  @ApiProperty() currency: string;
  @ApiProperty() period: string;
  @ApiProperty() periodStart: string;
  @ApiProperty() periodEnd: string;
  @ApiProperty({ description: 'Outcome types whose verified value is counted (value shares, and types with a declared valuePerUnit)' })
  valueOutcomeTypes: string[];
  @ApiProperty({ nullable: true, type: String, description: 'The share rate of the value_share component(s), e.g. "0.10"' }) shareRate: string | null;
  @ApiProperty({ description: 'Verified value of the period' }) verifiedValue: string;
  @ApiProperty({ enum: ['finalized', 'paid', 'void', 'draft', 'not_invoiced'] }) invoiceStatus: string;
  @ApiProperty({ nullable: true, type: String }) invoiceId: string | null;
  @ApiProperty({ nullable: true, type: String }) invoiceNumber: string | null;
  @ApiProperty({ type: FeesView }) fees: FeesView;
  @ApiProperty({ description: 'Tax on the invoice (not part of the fees compared with the value)' }) tax: string;
  @ApiProperty({ description: 'verifiedValue − fees.net' }) netBenefit: string;
  @ApiProperty({ nullable: true, type: String, description: '(value − fees) ÷ fees × 100, 2 decimals; null without fees' }) roiPercent: string | null;
  @ApiProperty({ type: YearToDateView }) yearToDate: YearToDateView;
  @ApiProperty({ type: [OutcomeLineView], description: 'Verified value outcomes of the period (the first 1,000)' }) verifiedOutcomes: OutcomeLineView[];
  @ApiProperty() verifiedOutcomeCount: number;
  @ApiProperty({ type: VerifiedByView, description: 'verifiedOutcomeCount, confirmed and deemed apart' }) verifiedBy: VerifiedByView;
  @ApiProperty({ type: PendingView }) awaitingVerification: PendingView;
  @ApiProperty({ type: PendingView }) inDispute: PendingView;
  @ApiProperty({ type: [OutcomeLineView], description: 'Outcomes awaiting verification or in dispute (the first 1,000)' }) pendingOutcomes: OutcomeLineView[];
  @ApiProperty({ type: [StatementInvoiceLineView], description: 'Every line of the period’s invoice: flat, share and other fees are their sums' })
  invoiceLines: StatementInvoiceLineView[];
  @ApiProperty({ type: StatementReconciliationView }) reconciliation: StatementReconciliationView;
  @ApiProperty() generatedAt: string;
  @ApiProperty({
    type: LedgerCheckpointView,
    description: 'The vendor’s signed checkpoint of its journal when the statement was made: keep it; POST /v1/ledger/verify proves later that the chain still extends it',
  })
  ledgerCheckpoint: LedgerCheckpointView;
  @ApiProperty({ description: 'generatedAt in the contract’s timezone, ISO 8601 with its offset' }) generatedAtLocal: string;
}

export class RoiMonthView {
  @ApiProperty() month: string;
  @ApiProperty({ description: 'measuredValue + estimatedValue' }) value: string;
  @ApiProperty({ description: 'Value the verified outcomes measure themselves (verified savings)' }) measuredValue: string;
  @ApiProperty({ description: 'Value from agreed estimates (per unit, per KPI point)' }) estimatedValue: string;
  @ApiProperty() fees: string;
  @ApiProperty() net: string;
  @ApiProperty() cumulativeValue: string;
  @ApiProperty() cumulativeFees: string;
}

export class AcceptanceView {
  @ApiProperty() outcomeType: string;
  @ApiProperty({ description: 'confirmed + deemed' }) verified: number;
  @ApiProperty({ description: 'Verified by a person (or metered)' }) confirmed: number;
  @ApiProperty({ description: 'Deemed accepted when the objection window lapsed' }) deemed: number;
  @ApiProperty() rejected: number;
  @ApiProperty({ nullable: true, type: String, description: 'verified ÷ (verified + rejected), e.g. "0.78"' }) rate: string | null;
}

export class GuaranteeResultView {
  @ApiProperty() period: string;
  @ApiProperty() invoiceNumber: string;
  @ApiProperty() kpi: string;
  @ApiProperty() comparator: string;
  @ApiProperty() threshold: string;
  @ApiProperty({ nullable: true, type: String }) measured: string | null;
  @ApiProperty() result: string;
  @ApiProperty() hit: boolean;
}

export class ValueBasisItemUsedView {
  @ApiProperty() outcomeType: string;
  @ApiProperty({ enum: ['measured', 'per_unit', 'per_kpi_point', 'per_recurring_unit'] }) method: string;
  @ApiProperty({ nullable: true, type: String }) unitValue: string | null;
  @ApiProperty({ nullable: true, type: String }) baseline: string | null;
  @ApiProperty() estimated: boolean;
  @ApiProperty() description: string;
  @ApiProperty({ description: 'The item in one sentence, as the PDF prints it' }) text: string;
}

// Its own schema name: contracts' ValueBasisVersionView (the declared versions) is another shape.
@ApiSchema({ name: 'ValueBasisVersionUsedView' })
export class ValueBasisVersionView {
  @ApiProperty() contractId: string;
  @ApiProperty({ nullable: true, type: String, description: 'The declared version (GET /v1/contracts/:id/value-basis); null when implied by the terms' }) id: string | null;
  @ApiProperty({ enum: ['declared', 'terms'] }) source: 'declared' | 'terms';
  @ApiProperty() effectiveFrom: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ type: [ValueBasisItemUsedView] }) items: ValueBasisItemUsedView[];
}

export class RoiReportView {
  @ApiProperty({ enum: ['contract', 'customer'] }) scope: 'contract' | 'customer';
  @ApiProperty() contractIds: string[];
  @ApiProperty({ nullable: true, type: String }) contractName: string | null;
  @ApiProperty() customerId: string;
  @ApiProperty() customerName: string;
  @ApiProperty() currency: string;
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty({ description: 'Value delivered: measuredValue + estimatedValue' }) value: string;
  @ApiProperty({ description: 'Value the verified outcomes measure (verified savings, bad debt avoided)' }) measuredValue: string;
  @ApiProperty({ description: 'Value from agreed estimates (per accepted report, per KPI point): labelled as such' }) estimatedValue: string;
  @ApiProperty({ nullable: true, type: String, enum: ['measured', 'estimated', 'measured and estimated'], description: 'What `value` is made of; null without a basis' })
  valueKind: string | null;
  @ApiProperty({ description: 'Fees invoiced (before tax), net of credit notes' }) fees: string;
  @ApiProperty() net: string;
  @ApiProperty({ nullable: true, type: String, description: '(value − fees) ÷ fees × 100 over measured and estimated value; null without fees or without a value basis' })
  roiPercent: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The same over measured value only; null without a measured basis' }) measuredRoiPercent: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'First month where cumulative value ≥ cumulative fees' }) paybackMonth: string | null;
  @ApiProperty({ type: [RoiMonthView] }) months: RoiMonthView[];
  @ApiProperty({ type: [AcceptanceView] }) acceptance: AcceptanceView[];
  @ApiProperty() guaranteeHits: number;
  @ApiProperty() guaranteeMisses: number;
  @ApiProperty({ type: [GuaranteeResultView] }) guarantees: GuaranteeResultView[];
  @ApiProperty({ description: 'How value is counted, for the reader' }) valueBasis: string[];
  @ApiProperty({ description: 'false: no value basis is declared, and roiPercent is null rather than −100%' }) valueBasisDeclared: boolean;
  @ApiProperty({ type: [ValueBasisVersionView], description: 'The value basis versions the months used' }) valueBasisVersions: ValueBasisVersionView[];
  @ApiProperty() generatedAt: string;
}

export class CustomerRoiView {
  @ApiProperty() customerId: string;
  @ApiProperty() customerName: string;
  @ApiProperty({ type: [RoiReportView], description: 'One report per currency (amounts in different currencies are never added)' })
  reports: RoiReportView[];
}

export class RevenueBySchemeView {
  @ApiProperty() currency: string;
  @ApiProperty({ description: 'Component type, or "invoice" for invoice-level lines' }) scheme: string;
  @ApiProperty() revenue: string;
}

export class RoiBandView {
  @ApiProperty() band: string;
  @ApiProperty() contracts: number;
}

export class ContractRoiView {
  @ApiProperty() contractId: string;
  @ApiProperty() contractName: string;
  @ApiProperty() currency: string;
  @ApiProperty({ description: 'Component types of its terms, joined with +' }) scheme: string;
  @ApiProperty() value: string;
  @ApiProperty() measuredValue: string;
  @ApiProperty() estimatedValue: string;
  @ApiProperty({ nullable: true, type: String, enum: ['measured', 'estimated', 'measured and estimated'] }) valueKind: string | null;
  @ApiProperty() fees: string;
  @ApiProperty({ nullable: true, type: String, description: 'null without fees or without a declared value basis' }) roiPercent: string | null;
  @ApiProperty({ description: 'Whether a value basis is declared (or implied by value_share / valuePerUnit in the terms)' }) valueBasisDeclared: boolean;
  @ApiProperty() band: string;
}

export class QuarterRoiView {
  @ApiProperty({ example: '2026-Q1' }) quarter: string;
  @ApiProperty({ description: 'First month of the quarter in the range' }) from: string;
  @ApiProperty({ description: 'Last month of the quarter in the range' }) to: string;
  @ApiProperty({ description: 'Contracts with fees and a value basis in the quarter' }) contractsWithRoi: number;
  @ApiProperty({ description: 'Of those, contracts whose ROI over the quarter is above the threshold' }) contractsAboveThreshold: number;
  @ApiProperty({ description: 'Contracts with fees in the quarter but no value basis (no ROI stated, not counted)' }) contractsWithFeesWithoutValueBasis: number;
  @ApiProperty({ nullable: true, type: String, description: 'contractsAboveThreshold ÷ contractsWithRoi, 4 decimals' }) shareAboveThreshold: string | null;
}

export class PortfolioView {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
  @ApiProperty() thresholdPercent: string;
  @ApiProperty({ type: [RevenueBySchemeView], description: 'Invoiced revenue before tax, net of credit notes, by component type' })
  revenueByScheme: RevenueBySchemeView[];
  @ApiProperty({ type: [RevenueBySchemeView], description: 'The same by contract scheme (its component types joined with +)' })
  revenueByContractScheme: RevenueBySchemeView[];
  @ApiProperty({ type: [RoiBandView] }) contractsByRoiBand: RoiBandView[];
  @ApiProperty({ description: 'Contracts with fees and a declared value basis in the range' }) contractsWithFees: number;
  @ApiProperty({ description: 'Contracts whose terms declare no value basis (no ROI stated for them)' }) contractsWithoutValueBasis: number;
  @ApiProperty() contractsAboveThreshold: number;
  @ApiProperty({ nullable: true, type: String, description: 'contractsAboveThreshold ÷ contractsWithFees' }) shareAboveThreshold: string | null;
  @ApiProperty({ type: [QuarterRoiView], description: 'The share of contracts above the threshold, quarter by quarter' }) byQuarter: QuarterRoiView[];
  @ApiProperty({ type: [AcceptanceView] }) acceptanceByOutcomeType: AcceptanceView[];
  @ApiProperty({ type: [ContractRoiView] }) contracts: ContractRoiView[];
  @ApiProperty() generatedAt: string;
}
