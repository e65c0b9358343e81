import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { IsOffsetTimestamp } from '../../common/validation/decorators';
import { CreateContractDto } from '../../contracts/dto/contract.dto';
import { ValueBasisItemDto } from '../../contracts/dto/value-basis.dto';
import { PERIOD_LABEL } from '../../kernel/calendar';
import { OutcomeContentDto } from '../../outcomes/dto/outcome.dto';
import type { Terms } from '../../pricing/types';
import { SimulatedTotalsView, SimulationRefusalView } from './simulation.dto';

/** A sample may hold this many expected outcomes: a quote prices them in memory, the way a bundle verifier does. */
export const MAX_SAMPLE_OUTCOMES = 10_000;

/** The prospective contract: what pricing needs to know of it. */
export class QuoteContractDto extends PickType(CreateContractDto, ['currency', 'timezone', 'taxRate', 'startsOn', 'endsOn', 'billingCycle'] as const) {}

export class SampleOutcomeDto extends PickType(OutcomeContentDto, ['quantity', 'value', 'dimensions'] as const) {
  @ApiProperty({ example: 'report', description: 'An outcome type or metric of the proposed terms, or a guarantee KPI' })
  @IsString() @Length(1, 100) @Matches(/^[^\u0000-\u001f\u007f]+$/, { message: 'type must not contain control characters' })
  type: string;

  @ApiProperty({ example: '2026-03-01T08:00:00+08:00', description: 'ISO 8601 with offset, inside the quoted periods' })
  @IsOffsetTimestamp()
  occurredAt: string;
}

export class QuoteValueBasisDto {
  @ApiProperty({ type: [ValueBasisItemDto], description: 'How the results convert to money for the customer, as a contract’s value basis' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => ValueBasisItemDto)
  items: ValueBasisItemDto[];
}

export class CreateQuoteDto {
  @ApiProperty({ description: 'The proposed terms, validated exactly as on contract creation (see src/pricing/README.md)' })
  @IsObject()
  terms: Terms;

  @ApiProperty({ type: QuoteContractDto })
  @ValidateNested() @Type(() => QuoteContractDto)
  contract: QuoteContractDto;

  @ApiProperty({ example: '2026-03', description: 'First period: YYYY-MM (monthly) or YYYY (annual)' })
  @Matches(PERIOD_LABEL, { message: 'from must be YYYY-MM or YYYY' })
  from: string;

  @ApiProperty({ example: '2026-05', description: 'Last period, inclusive' })
  @Matches(PERIOD_LABEL, { message: 'to must be YYYY-MM or YYYY' })
  to: string;

  @ApiProperty({ type: [SampleOutcomeDto], description: `Expected outcomes (at most ${MAX_SAMPLE_OUTCOMES}); each counts as verified` })
  @IsArray() @ArrayMaxSize(MAX_SAMPLE_OUTCOMES) @ValidateNested({ each: true }) @Type(() => SampleOutcomeDto)
  outcomes: SampleOutcomeDto[];

  @ApiPropertyOptional({ type: QuoteValueBasisDto, description: 'Without one, the basis the terms imply (value shares, valuePerUnit), if any' })
  @IsOptional() @ValidateNested() @Type(() => QuoteValueBasisDto)
  valueBasis?: QuoteValueBasisDto;
}

export class QuoteLineView {
  @ApiProperty({ example: 'report' }) key: string;
  @ApiProperty() description: string;
  @ApiProperty({ example: '7800' }) quantity: string;
  @ApiProperty({ nullable: true, type: String, example: '15.00' }) unitPrice: string | null;
  @ApiProperty({ example: '117000.00' }) amount: string;
}

export class QuoteRoiView {
  @ApiProperty({ example: '312000.00' }) value: string;
  @ApiProperty({ example: '0.00' }) measuredValue: string;
  @ApiProperty({ example: '312000.00' }) estimatedValue: string;
  @ApiProperty({ nullable: true, type: String, example: '117000.00', description: 'The quoted subtotal (before tax); null when the engine refused' }) fees: string | null;
  @ApiProperty({ nullable: true, type: String, example: '166.67', description: '(value − fees) ÷ fees × 100; null without fees or without a value basis' })
  roiPercent: string | null;
}

export class QuotePeriodView {
  @ApiProperty({ example: '2026-03' }) period: string;
  @ApiProperty({ example: '2026-03-01' }) start: string;
  @ApiProperty({ example: '2026-04-01' }) end: string;
  @ApiProperty({ description: 'Sample outcomes occurring in the period (by the contract’s local dates)' }) outcomes: number;
  @ApiProperty({ type: SimulatedTotalsView, nullable: true, description: 'null when the engine refused (e.g. a guarantee KPI with no measurement)' })
  quoted: SimulatedTotalsView | null;
  @ApiProperty({ type: SimulationRefusalView, nullable: true }) refusal: SimulationRefusalView | null;
  @ApiProperty({ type: [QuoteLineView] }) lines: QuoteLineView[];
  @ApiProperty({ type: QuoteRoiView }) roi: QuoteRoiView;
}

export class QuoteView {
  @ApiProperty({ example: 'CNY' }) currency: string;
  @ApiProperty({ description: 'SHA-256 of the canonical proposed terms' }) termsSha256: string;
  @ApiProperty({ description: 'Sample outcomes priced; every one counts as verified' }) sampleOutcomes: number;
  @ApiProperty({ type: [QuotePeriodView] }) periods: QuotePeriodView[];
  @ApiProperty({ type: SimulatedTotalsView, description: 'Sums over the priced periods' }) total: SimulatedTotalsView;
  @ApiProperty({ type: QuoteRoiView, description: 'ROI over the priced periods' }) roi: QuoteRoiView;
  @ApiProperty() valueBasisDeclared: boolean;
  @ApiProperty({ type: [String] }) valueBasis: string[];
}
