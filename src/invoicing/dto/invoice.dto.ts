import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../../common/http/pagination';
import { IsCalendarDate, IsDecimalString } from '../../common/validation/decorators';
import type { BillingPeriod, CalculationTrace, LineKind } from '../../pricing/types';
import { INVOICE_STATUSES, type InvoiceStatus, type StoredRefusal } from '../entities/invoice.entity';

/** 'YYYY-MM' for monthly contracts, 'YYYY' for annual ones: the kernel's one rule. */
import { PERIOD_LABEL } from '../../kernel/calendar';
import type { FigureMismatch } from '../../pricing/stored-figures';
export { PERIOD_LABEL };

export class InvoiceListQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsUUID() contractId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() customerId?: string;
  @ApiPropertyOptional({ example: '2026-03' }) @IsOptional() @Matches(PERIOD_LABEL, { message: 'period must be YYYY-MM or YYYY' }) period?: string;
  @ApiPropertyOptional({ enum: INVOICE_STATUSES }) @IsOptional() @IsIn(INVOICE_STATUSES) status?: InvoiceStatus;
}

export class InvoiceCsvQuery {
  @ApiProperty({ example: '2026-03' }) @Matches(PERIOD_LABEL, { message: 'period must be YYYY-MM or YYYY' }) period: string;
}

export class CreateBillingRunDto {
  @ApiProperty({ example: '2026-03' })
  @IsString()
  @Matches(PERIOD_LABEL, { message: 'period must be YYYY-MM (monthly contracts) or YYYY (annual contracts)' })
  period: string;

  @ApiPropertyOptional({ type: [String], description: 'bill only these contracts (default: every billable contract)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  contractIds?: string[];

  @ApiPropertyOptional({ description: 'finalize each invoice as soon as it is drafted (default false); a refused finalization is reported on its contract' })
  @IsOptional()
  @IsBoolean()
  finalizeWhenDrafted?: boolean;
}

export class CreditLineDto {
  @ApiProperty({ description: 'the invoice line key' }) @IsString() @Length(1, 300) key: string;
  @ApiProperty({ example: '100.00', description: 'amount credited on that line, before tax' })
  @IsDecimalString({ min: '0.000000000001' })
  amount: string;
}

export class CreateCreditNoteDto {
  @ApiProperty({ example: 'service outage on 12 March' }) @IsString() @Length(1, 500) reason: string;

  @ApiPropertyOptional({ type: [CreditLineDto], description: 'credit these lines; omitted: credit the whole remaining invoice' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => CreditLineDto)
  lines?: CreditLineDto[];
}

export class CreatePaymentDto {
  @ApiProperty({ example: '1000.00' }) @IsDecimalString({ min: '0.000000000001' }) amount: string;
  @ApiProperty({ example: '2026-04-15' }) @IsCalendarDate() paidOn: string;
  @ApiPropertyOptional({ description: 'bank reference; a payment with the same reference is recorded once' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  reference?: string;
}

export interface InvoiceLineView {
  key: string;
  component: string;
  kind: LineKind;
  description: string;
  quantity: string;
  unitPrice: string | null;
  amount: string;
  dimensions?: Record<string, string>;
  adjustment?: { kind: 'late_verified' | 'reversal'; period: BillingPeriod };
}

export interface InvoiceView {
  id: string;
  number: string | null;
  status: InvoiceStatus;
  contractId: string;
  customerId: string;
  period: { label: string; start: string; end: string };
  currency: string;
  termsVersionId: string | null;
  lines: InvoiceLineView[];
  subtotal: string | null;
  tax: string | null;
  total: string | null;
  amountPaid: string;
  amountCredited: string;
  amountDue: string;
  refusal: StoredRefusal | null;
  trace: CalculationTrace | null;
  traceDigest: string | null;
  computedAt: string;
  finalizedAt: string | null;
  /** Local date of finalization in the contract's timezone (`timeZone`); null on a draft. */
  issueDate: string | null;
  /** issueDate + paymentTermsDays. */
  dueDate: string | null;
  timeZone: string | null;
  paymentTermsDays: number | null;
  poReference: string | null;
  /** Unpaid (finalized with an amount due) after its due date, in its timezone. Computed, never stored. */
  overdue: boolean;
  /** The official tax invoice (fapiao) once recorded; this document itself is a commercial invoice. */
  taxInvoice: TaxInvoiceView | null;
  createdAt: string;
  /** The contract's IANA timezone: `period` is in local dates of it, and the `*Local` times below. */
  timezone?: string;
  /** finalizedAt as local time in the contract's timezone, e.g. 2026-04-01T09:15:00+08:00. */
  finalizedAtLocal?: string | null;
  createdAtLocal?: string;
}

export class TaxInvoiceView {
  @ApiProperty({ example: '044031900111-12345678' }) number: string;
  @ApiProperty({ example: '2026-04-03' }) issuedOn: string;
  @ApiProperty() recordedAt: string;
}

export class RecordTaxInvoiceDto {
  @ApiProperty({ example: '044031900111-12345678', description: 'The fapiao number (code and number) the tax authority issued' })
  @IsString() @Length(1, 64) @Matches(/^[0-9A-Za-z-]+$/, { message: 'number must be letters, digits and hyphens' })
  number: string;

  @ApiProperty({ example: '2026-04-03', description: 'Date the tax invoice was issued' })
  @IsCalendarDate()
  issuedOn: string;
}

export interface CreditNoteView {
  id: string;
  number: string;
  invoiceId: string;
  reason: string;
  lines: Array<{ key: string; component: string; description: string; amount: string }>;
  subtotal: string;
  tax: string;
  total: string;
  journalEntryId: string;
  createdAt: string;
}

export interface PaymentView {
  id: string;
  invoiceId: string;
  amount: string;
  paidOn: string;
  reference: string | null;
  journalEntryId: string;
  createdAt: string;
}

export interface InvoiceVerification {
  invoiceId: string;
  number: string;
  storedDigest: string;
  recomputedDigest: string | null;
  /** True only when the trace, its digest and every stored figure and line equal the recomputation. */
  matches: boolean;
  /** Each stored figure that differs from its recomputation (`total`, `lines[0].amount`, …). */
  mismatches: FigureMismatch[];
  outcomes: { billed: number; reversed: number };
  termsVersionId: string;
  detail?: string;
}

export class BillingRunErrorView {
  @ApiProperty({ format: 'uuid' }) contractId: string;
  @ApiProperty() message: string;
}

/** What a billing run did with one contract it considered. */
export class BillingRunContractView {
  @ApiProperty({ format: 'uuid' }) contractId: string;

  @ApiProperty({ enum: ['drafted', 'skipped', 'failed'] })
  result: 'drafted' | 'skipped' | 'failed';

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'the draft invoice refreshed (drafted; also a draft kept with its refusal, TERMS_REFUSED) or the finalized one left alone',
  })
  invoiceId: string | null;

  @ApiProperty({ type: String, nullable: true, example: '2500.00', description: "the draft's total, when drafted" })
  total: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'CONTRACT_NOT_STARTED',
    description:
      'null when drafted. Skipped: BILLING_CYCLE_MISMATCH, CONTRACT_NOT_ACTIVE, CONTRACT_NOT_STARTED, CONTRACT_ENDED, ' +
      'INVOICE_ALREADY_FINALIZED, TERMS_REFUSED, NO_TERMS_IN_FORCE. Failed: the domain error code, or INTERNAL_ERROR.',
  })
  reasonCode: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'the reason in words' })
  reason: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'TERMS_INVALID', description: "for TERMS_REFUSED: the terms' own error code" })
  termsCode: string | null;

  @ApiProperty({ description: 'finalizeWhenDrafted: the drafted invoice was finalized by the run' })
  finalized: boolean;

  @ApiProperty({ type: String, nullable: true, example: 'INVOICE_PRICING_REFUSED', description: 'finalizeWhenDrafted: why finalizing the draft was refused (it stays a draft)' })
  finalizeCode: string | null;
}

/** `GET /v1/billing-runs/:id/results?limit=&cursor=&result=`: pages in contract order. */
export class BillingRunResultsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['drafted', 'skipped', 'failed'], description: 'only the contracts with this result' })
  @IsOptional() @IsIn(['drafted', 'skipped', 'failed'])
  result?: 'drafted' | 'skipped' | 'failed';
}

export class BillingRunView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: '2026-03' }) period: string;
  @ApiProperty({ type: [String], nullable: true, description: 'the contracts named by the request; null: every billable contract' })
  contractIds: string[] | null;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'failed'], description: 'queued until a worker takes its first chunk; completed once every contract has its result' })
  status: 'queued' | 'running' | 'completed' | 'failed';
  @ApiProperty({ description: 'contracts billable in the period (attempted)' }) contracts: number;
  @ApiProperty({ description: 'billable contracts with a result so far (drafted, refused, already finalized, skipped or failed); equals contracts when completed' })
  processed: number;
  @ApiProperty({ description: 'whether each drafted invoice is finalized too' }) finalizeWhenDrafted: boolean;
  @ApiProperty() drafted: number;
  @ApiProperty({ description: 'drafts kept with a refusal of their terms' }) refused: number;
  @ApiProperty() alreadyFinalized: number;
  @ApiProperty() failed: number;
  @ApiProperty({ type: [BillingRunErrorView], description: 'the first 100 failures' }) errors: BillingRunErrorView[];
  @ApiProperty({ type: [BillingRunContractView], description: 'the first 100 contracts considered so far, in contract order, each with its invoice or why it was skipped; the rest: GET /v1/billing-runs/{id}/results?cursor={resultsNextCursor}' })
  results: BillingRunContractView[];
  @ApiProperty({ type: String, nullable: true, description: 'null when `results` holds every result so far; else the cursor of the next page of GET /v1/billing-runs/{id}/results' })
  resultsNextCursor: string | null;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt: string | null;
}

/** A run in the list: its status and counts; its per-contract results are read per run. */
export class BillingRunSummaryView extends OmitType(BillingRunView, ['results', 'resultsNextCursor'] as const) {}

/** `GET /v1/billing-runs?period=&status=&limit=&cursor=`: the vendor's runs, newest first. */
export class BillingRunListQuery extends PageQuery {
  @ApiPropertyOptional({ example: '2026-03', description: 'only the runs of this period' })
  @IsOptional() @IsString() @Matches(PERIOD_LABEL, { message: 'period must be YYYY-MM or YYYY' })
  period?: string;

  @ApiPropertyOptional({ enum: ['queued', 'running', 'completed', 'failed'], description: 'only the runs in this status' })
  @IsOptional() @IsIn(['queued', 'running', 'completed', 'failed'])
  status?: 'queued' | 'running' | 'completed' | 'failed';
}
