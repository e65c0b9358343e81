import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
} from 'class-validator';
import { PageQuery } from '../../common/http/pagination';
import { MONTH_LABEL } from '../../kernel/calendar';
import { IsDecimalString, IsIsoCurrency, IsOffsetTimestamp } from '../../common/validation/decorators';
import type { OutcomeStatus } from '../entities/outcome.entity';
import { IsEvidence, IsFlatStringMap } from './validators';

export const OUTCOME_STATUSES: OutcomeStatus[] = ['recorded', 'verified', 'rejected', 'disputed', 'reversed'];
export const MAX_BATCH = 1000;
export const MAX_BULK_IDS = 10_000;

const NO_CONTROL = /^[^\u0000-\u001f\u007f]+$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;

/** The content of one outcome; shared by the single endpoint, batch items and corrections. */
export class OutcomeContentDto {
  @ApiPropertyOptional({ example: '3', description: 'Decimal string ≥ 0 (reports, queries, tokens, KPI measurements)' })
  @IsOptional() @IsDecimalString({ min: '0' })
  quantity?: string;

  @ApiPropertyOptional({ example: '400000.00', description: 'Decimal string in the contract’s currency (savings, value)' })
  @IsOptional() @IsDecimalString()
  value?: string;

  @ApiPropertyOptional({ example: 'CNY', description: 'Optional check: must equal the contract’s currency' })
  @IsOptional() @IsIsoCurrency()
  currency?: string;

  @ApiPropertyOptional({ example: { hospital: 'H3' }, description: 'Flat string map (site, hospital, production line)' })
  @IsOptional() @IsFlatStringMap()
  dimensions?: Record<string, string>;

  @ApiPropertyOptional({ description: 'Inline JSON evidence (≤ 64 KiB), stored with the SHA-256 of its canonical JSON' })
  @IsOptional() @IsEvidence()
  evidence?: Record<string, unknown> | unknown[];

  @ApiPropertyOptional({ example: 's3://evidence/2026/03/rep-1.json', description: 'Where the evidence lives; requires evidenceSha256' })
  @IsOptional() @IsString() @Length(1, 2000) @Matches(URI, { message: 'evidenceUri must be a URI such as s3://bucket/key' })
  evidenceUri?: string;

  @ApiPropertyOptional({ description: 'Lowercase hex SHA-256 of the evidence (of its canonical JSON when inline)' })
  @IsOptional() @Matches(SHA256_HEX, { message: 'evidenceSha256 must be 64 lowercase hex characters' })
  evidenceSha256?: string;
}

export class RecordOutcomeDto extends OutcomeContentDto {
  @ApiProperty({ example: 'rep-0001', description: 'Your id of the outcome, unique per contract: replays are idempotent' })
  @IsString() @Length(1, 200) @Matches(NO_CONTROL, { message: 'externalId must not contain control characters' })
  externalId: string;

  @ApiProperty({ example: 'report', description: 'An outcome type or metric of the contract’s terms, or a guarantee KPI' })
  @IsString() @Length(1, 100) @Matches(NO_CONTROL, { message: 'type must not contain control characters' })
  type: string;

  @ApiProperty({ example: '2026-03-01T08:00:00+08:00', description: 'ISO 8601 with offset; inside the contract’s dates' })
  @IsOffsetTimestamp()
  occurredAt: string;
}

/** One item of `POST /v1/outcomes/batch`: an outcome and the contract it belongs to. */
export class BatchOutcomeItemDto extends RecordOutcomeDto {
  @ApiProperty() @IsUUID()
  contractId: string;
}

export class RecordBatchDto {
  @ApiProperty({
    type: [BatchOutcomeItemDto],
    description: 'Up to 1,000 outcomes across the vendor’s contracts; each is validated and answered on its own',
  })
  @IsArray()
  outcomes: unknown[];
}

/** A correction: a new outcome that names the one it corrects; omitted type, occurredAt, dimensions are the original’s. */
export class CorrectOutcomeDto extends OutcomeContentDto {
  @ApiProperty({ example: 'sav-2026-03-L1-fix' })
  @IsString() @Length(1, 200) @Matches(NO_CONTROL, { message: 'externalId must not contain control characters' })
  externalId: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) @Matches(NO_CONTROL)
  type?: string;

  @ApiPropertyOptional() @IsOptional() @IsOffsetTimestamp()
  occurredAt?: string;

  @ApiPropertyOptional({ description: 'Why the original was wrong; kept on the original’s reversal event' })
  @IsOptional() @IsString() @Length(1, 1000)
  reason?: string;
}

export class ReasonDto {
  @ApiProperty({ example: 'Finding not confirmed by the radiologist' })
  @IsString() @Length(1, 1000) @Matches(/\S/, { message: 'reason must not be blank' })
  reason: string;
}

export class OptionalReasonDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 1000)
  reason?: string;
}

export class BulkVerifyDto {
  @ApiProperty({ type: [String], description: 'Up to 10,000 outcome ids' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_BULK_IDS) @IsUUID('all', { each: true })
  ids: string[];

  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 1000)
  reason?: string;
}

export class BulkRejectDto {
  @ApiProperty({ type: [String], description: 'Up to 10,000 outcome ids' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_BULK_IDS) @IsUUID('all', { each: true })
  ids: string[];

  @ApiProperty() @IsString() @Length(1, 1000) @Matches(/\S/, { message: 'reason must not be blank' })
  reason: string;
}

const PERIOD = MONTH_LABEL;

export class OutcomeListQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsUUID()
  contractId?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100)
  type?: string;

  @ApiPropertyOptional({ enum: OUTCOME_STATUSES }) @IsOptional() @IsIn(OUTCOME_STATUSES)
  status?: OutcomeStatus;

  @ApiPropertyOptional({ example: '2026-03', description: 'Calendar month in each contract’s timezone' })
  @IsOptional() @Matches(PERIOD, { message: 'period must be a month YYYY-MM' })
  period?: string;

  @ApiPropertyOptional({ description: 'occurredAt ≥ this instant' }) @IsOptional() @IsOffsetTimestamp()
  occurredFrom?: string;

  @ApiPropertyOptional({ description: 'occurredAt < this instant' }) @IsOptional() @IsOffsetTimestamp()
  occurredTo?: string;

  @ApiPropertyOptional({ description: 'dimensions[hospital]=H3: outcomes whose dimensions contain these pairs' })
  @IsOptional() @IsFlatStringMap()
  dimensions?: Record<string, string>;
}

export class OutcomeStatsQuery {
  @ApiProperty({ example: '2026-03' })
  @Matches(PERIOD, { message: 'period must be a month YYYY-MM' })
  period: string;
}

export class OutcomeView {
  @ApiProperty() id: string;
  @ApiProperty() contractId: string;
  @ApiProperty() externalId: string;
  @ApiProperty() type: string;
  @ApiProperty({ nullable: true, type: String }) quantity: string | null;
  @ApiProperty({ nullable: true, type: String }) value: string | null;
  @ApiProperty({ description: 'the instant in UTC', example: '2026-11-03T01:15:00.000Z' }) occurredAt: string;
  @ApiPropertyOptional({ description: 'occurredAt as local time in the contract timezone', example: '2026-11-03T09:15:00+08:00' })
  occurredAtLocal?: string;
  @ApiPropertyOptional({ description: 'the contract timezone (IANA)', example: 'Asia/Shanghai' }) timezone?: string;
  @ApiProperty() dimensions: Record<string, string>;
  @ApiProperty({ nullable: true }) evidence: unknown;
  @ApiProperty({ nullable: true, type: String }) evidenceUri: string | null;
  @ApiProperty({ nullable: true, type: String }) evidenceSha256: string | null;
  @ApiProperty({ enum: OUTCOME_STATUSES }) status: OutcomeStatus;
  @ApiProperty({ nullable: true, type: String }) correctsOutcomeId: string | null;
  @ApiProperty({ description: 'SHA-256 of the canonical content: what a replay is compared against' }) contentSha256: string;
  @ApiProperty({ nullable: true, type: String }) verifiedAt: string | null;
  @ApiProperty() createdAt: string;
}

export class OutcomeEventView {
  @ApiProperty() id: string;
  @ApiProperty({ nullable: true, type: String, enum: OUTCOME_STATUSES }) fromStatus: OutcomeStatus | null;
  @ApiProperty({ enum: OUTCOME_STATUSES }) toStatus: OutcomeStatus;
  @ApiProperty({ nullable: true, type: String }) actorKeyId: string | null;
  @ApiProperty({ enum: ['vendor_admin', 'customer', 'verifier', 'system'] }) actorRole: string;
  @ApiProperty({ nullable: true, type: String, description: 'A verifier key’s decision: the verifier (GET /v1/verifiers/:id) it decided for' })
  actorVerifierId: string | null;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty() occurredAt: string;
  @ApiPropertyOptional({ description: 'Deemed acceptance: when the objection window lapsed (on the system’s recorded → verified event only)' })
  deemedAt?: string;
}

export class OutcomeDetailView extends OutcomeView {
  @ApiProperty({ type: [OutcomeEventView] }) events: OutcomeEventView[];
}

export class ItemErrorView {
  @ApiProperty() code: string;
  @ApiProperty({ example: 'outcomes[3].quantity' }) field: string;
  @ApiProperty() message: string;
  @ApiPropertyOptional({ description: 'Every field error of the item' }) errors?: { field: string; message: string }[];
}

export class BatchItemResultView {
  @ApiProperty() index: number;
  @ApiProperty({ enum: ['created', 'duplicate', 'error'] }) status: 'created' | 'duplicate' | 'error';
  @ApiPropertyOptional({ type: OutcomeView }) outcome?: OutcomeView;
  @ApiPropertyOptional({ type: ItemErrorView }) error?: ItemErrorView;
}

export class BatchResultView {
  @ApiProperty({ type: [BatchItemResultView] }) results: BatchItemResultView[];
  @ApiProperty() created: number;
  @ApiProperty() duplicates: number;
  @ApiProperty() errors: number;
}

export class BulkFailureView {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'OUTCOME_TRANSITION_INVALID' }) code: string;
}

export class BulkVerifyView {
  @ApiProperty() verified: number;
  @ApiProperty({ type: [BulkFailureView] }) failed: BulkFailureView[];
}

export class BulkRejectView {
  @ApiProperty() rejected: number;
  @ApiProperty({ type: [BulkFailureView] }) failed: BulkFailureView[];
}

export class OutcomeTypeStatsView {
  @ApiProperty() type: string;
  @ApiProperty() count: number;
  @ApiProperty({ description: 'Count per status' }) byStatus: Record<OutcomeStatus, number>;
  @ApiProperty({ description: 'Sum of quantity over every status' }) quantitySum: string;
  @ApiProperty({ description: 'Sum of value over every status' }) valueSum: string;
  @ApiProperty({ description: 'Sum of quantity of verified outcomes' }) verifiedQuantitySum: string;
  @ApiProperty({ description: 'Sum of value of verified outcomes' }) verifiedValueSum: string;
  @ApiProperty({ description: 'Verified outcomes by how: confirmed (by a person or metered) or deemed (objection window lapsed)' })
  verifiedBy: { confirmed: number; deemed: number };
  @ApiProperty({ nullable: true, type: String, example: '0.78', description: 'verified ÷ (verified + rejected) for this type' })
  acceptanceRate: string | null;
}

export class OutcomeStatsView {
  @ApiProperty() contractId: string;
  @ApiProperty() period: { start: string; end: string };
  @ApiProperty() timezone: string;
  @ApiProperty() currency: string;
  @ApiProperty() count: number;
  @ApiProperty() byStatus: Record<OutcomeStatus, number>;
  @ApiProperty({ description: 'Verified outcomes by how: confirmed (by a person or metered) or deemed (objection window lapsed)' })
  verifiedBy: { confirmed: number; deemed: number };
  @ApiProperty({ nullable: true, type: String, example: '0.78', description: 'verified ÷ (verified + rejected), 2 decimals' })
  acceptanceRate: string | null;
  @ApiProperty({ type: [OutcomeTypeStatsView] }) byType: OutcomeTypeStatsView[];
}
