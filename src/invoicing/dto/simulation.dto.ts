import { ApiProperty } from '@nestjs/swagger';
import { IsObject, Matches } from 'class-validator';
import { PERIOD_LABEL } from '../../kernel/calendar';
import type { Terms } from '../../pricing/types';

export class CreateSimulationDto {
  @ApiProperty({ allOf: [{ $ref: '#/components/schemas/Terms' }], description: 'The proposed terms, validated exactly as on contract creation (see src/pricing/README.md)' })
  @IsObject()
  terms: Terms;

  @ApiProperty({ example: '2026-03', description: 'First period: YYYY-MM (monthly contracts) or YYYY (annual)' })
  @Matches(PERIOD_LABEL, { message: 'from must be YYYY-MM or YYYY' })
  from: string;

  @ApiProperty({ example: '2026-05', description: 'Last period, inclusive' })
  @Matches(PERIOD_LABEL, { message: 'to must be YYYY-MM or YYYY' })
  to: string;
}

export class SimulatedTotalsView {
  @ApiProperty({ example: '112000.00' }) subtotal: string;
  @ApiProperty({ example: '6720.00' }) tax: string;
  @ApiProperty({ example: '118720.00' }) total: string;
}

export class ActualInvoiceView extends SimulatedTotalsView {
  @ApiProperty() invoiceId: string;
  @ApiProperty({ nullable: true, type: String }) number: string | null;
  @ApiProperty({ enum: ['finalized', 'paid'] }) status: string;
}

export class SimulationRefusalView {
  @ApiProperty({ example: 'KPI_MEASUREMENT_MISSING' }) code: string;
  @ApiProperty() reason: string;
}

export class SimulationLineView {
  @ApiProperty({ example: 'flat_fee' }) key: string;
  @ApiProperty() description: string;
  @ApiProperty({ nullable: true, type: String, description: 'The line on the invoice, null when the invoice has none by this key' }) actual: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The line under the proposed terms, null when they have none by this key' }) simulated: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'simulated − actual (a missing side counts as 0); null without an invoice or a priced simulation' })
  difference: string | null;
}

export class RoiComparisonView {
  @ApiProperty({ example: '1000000.00', description: 'measuredValue + estimatedValue: what the results delivered, by the contract’s value basis (the same under both fee schedules)' })
  value: string;
  @ApiProperty({ example: '1000000.00', description: 'Verified outcomes’ own value' }) measuredValue: string;
  @ApiProperty({ example: '0.00', description: 'Agreed estimates (per unit, per KPI point, per unit in service)' }) estimatedValue: string;
  @ApiProperty({ nullable: true, type: String, example: '250000.00', description: 'The invoice’s subtotal (before tax); null without an invoice' }) actualFees: string | null;
  @ApiProperty({ nullable: true, type: String, example: '260000.00', description: 'The simulated subtotal; null when the engine refused' }) simulatedFees: string | null;
  @ApiProperty({ nullable: true, type: String, example: '300.00', description: '(value − actualFees) ÷ actualFees × 100; null without fees or without a value basis' })
  actualRoiPercent: string | null;
  @ApiProperty({ nullable: true, type: String, example: '284.62' }) simulatedRoiPercent: string | null;
  @ApiProperty({ nullable: true, type: String, example: '-15.38', description: 'simulated − actual ROI, in percentage points' }) roiPercentPointsDifference: string | null;
}

export class SimulationPeriodView {
  @ApiProperty({ example: '2026-03' }) period: string;
  @ApiProperty({ example: '2026-03-01' }) start: string;
  @ApiProperty({ example: '2026-04-01' }) end: string;
  @ApiProperty({ type: ActualInvoiceView, nullable: true, description: 'The finalized (or paid) invoice of the period; null when none' })
  actual: ActualInvoiceView | null;
  @ApiProperty({ type: SimulatedTotalsView, nullable: true, description: 'The period priced under the proposed terms; null when the engine refused' })
  simulated: SimulatedTotalsView | null;
  @ApiProperty({ type: SimulationRefusalView, nullable: true }) refusal: SimulationRefusalView | null;
  @ApiProperty({ nullable: true, type: String, description: 'simulated.total − actual.total; null when either is missing' }) difference: string | null;
  @ApiProperty({ type: [SimulationLineView] }) lines: SimulationLineView[];
  @ApiProperty({ type: RoiComparisonView, description: 'ROI of the period under the invoiced and the proposed fees' }) roi: RoiComparisonView;
}

export class SimulationView {
  @ApiProperty() contractId: string;
  @ApiProperty({ example: 'CNY' }) currency: string;
  @ApiProperty({ description: 'SHA-256 of the canonical proposed terms' }) termsSha256: string;
  @ApiProperty({ type: [SimulationPeriodView] }) periods: SimulationPeriodView[];
  @ApiProperty({ type: SimulatedTotalsView, description: 'Sums over the periods that have both an invoice and a priced simulation' })
  comparedActual: SimulatedTotalsView;
  @ApiProperty({ type: SimulatedTotalsView }) comparedSimulated: SimulatedTotalsView;
  @ApiProperty({ example: '-29680.00', description: 'comparedSimulated.total − comparedActual.total' }) difference: string;
  @ApiProperty({ type: RoiComparisonView, description: 'ROI over the compared periods, under each' }) comparedRoi: RoiComparisonView;
  @ApiProperty({ description: 'false: the contract declares no value basis, and every ROI is null' }) valueBasisDeclared: boolean;
  @ApiProperty({ type: [String], example: ['savings: verified value, measured (verified savings)'] }) valueBasis: string[];
}
