import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { IsDecimalString } from '../../common/validation/decorators';

export const DEFAULT_THRESHOLDS = [50, 80, 100];

export class PutSpendControlsDto {
  @ApiProperty({ example: '5000.00', description: 'Budget per billing period in the contract’s currency, compared with the draft’s subtotal (before tax); > 0' })
  @IsDecimalString({ min: '0', max: '1000000000000000' })
  budget: string;

  @ApiPropertyOptional({ type: [Number], example: DEFAULT_THRESHOLDS, description: 'Alert thresholds, percent of the budget (1..1000), default [50, 80, 100]' })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(20) @ArrayUnique() @IsInt({ each: true }) @Min(1, { each: true }) @Max(1000, { each: true })
  thresholds?: number[];

  @ApiPropertyOptional({ description: 'When on, outcomes beyond the budget are recorded but not billed: a line `invoice:hard_limit` brings the outcome-priced lines down to what the budget leaves (default false)' })
  @IsOptional() @IsBoolean()
  hardLimit?: boolean;
}

export class CurrentPeriodQuery {
  @ApiPropertyOptional({ example: '2026-03-10T12:00:00+08:00', description: 'The instant the period and its elapsed days are taken at (default now)' })
  @IsOptional() @IsString()
  at?: string;
}

export class SpendSetterView {
  @ApiProperty() keyId: string;
  @ApiProperty({ enum: ['vendor_admin', 'customer'] }) role: string;
}

export class SpendControlsVersionView {
  @ApiProperty() id: string;
  @ApiProperty() contractId: string;
  @ApiProperty({ example: '5000.00' }) budget: string;
  @ApiProperty({ type: [Number], example: DEFAULT_THRESHOLDS }) thresholds: number[];
  @ApiProperty() hardLimit: boolean;
  @ApiProperty({ type: SpendSetterView }) setBy: SpendSetterView;
  @ApiProperty() setAt: string;
}

export class SpendControlsView {
  @ApiProperty() contractId: string;
  @ApiProperty() currency: string;
  @ApiProperty({ type: SpendControlsVersionView, nullable: true, description: 'The version in force (the latest), or null: no controls set' })
  current: SpendControlsVersionView | null;
  @ApiProperty({ type: [SpendControlsVersionView], description: 'Every version, newest first: who set what, when' })
  history: SpendControlsVersionView[];
}

export class ThresholdCrossingView {
  @ApiProperty({ example: 80 }) threshold: number;
  @ApiProperty({ example: '4012.50' }) amount: string;
  @ApiProperty({ example: '5000.00' }) budget: string;
  @ApiProperty() crossedAt: string;
}

export class CurrentPeriodLineView {
  @ApiProperty() key: string;
  @ApiProperty() kind: string;
  @ApiProperty() description: string;
  @ApiProperty() quantity: string;
  @ApiProperty({ nullable: true, type: String }) unitPrice: string | null;
  @ApiProperty() amount: string;
}

export class CurrentPeriodFiguresView {
  @ApiProperty() subtotal: string;
  @ApiProperty() tax: string;
  @ApiProperty() total: string;
  @ApiProperty({ type: [CurrentPeriodLineView] }) lines: CurrentPeriodLineView[];
}

export class ForecastView extends CurrentPeriodFiguresView {
  @ApiProperty({ example: 'linear run-rate: verified outcome aggregates × total/elapsed days, re-priced by the billing engine; flat and area parts at full period' })
  method: string;
  @ApiProperty({ example: 10 }) elapsedDays: number;
  @ApiProperty({ example: 31 }) totalDays: number;
  @ApiProperty({ example: '3.1', description: 'total/elapsed days, the factor applied to the outcome aggregates' }) factor: string;
}

export class CurrentPeriodView {
  @ApiProperty() contractId: string;
  @ApiProperty() currency: string;
  @ApiProperty({ example: { label: '2026-03', start: '2026-03-01', end: '2026-04-01' } }) period: { label: string; start: string; end: string };
  @ApiProperty() asOf: string;
  @ApiProperty({ nullable: true, type: String }) termsVersionId: string | null;
  @ApiProperty({ type: CurrentPeriodFiguresView, nullable: true, description: 'The draft so far: what a billing run would draft now; nothing is written' })
  draft: CurrentPeriodFiguresView | null;
  @ApiProperty({ nullable: true, description: 'Why the terms refuse to price the period (e.g. a KPI not measured yet)' })
  refusal: { code: string; reason: string } | null;
  @ApiProperty({ type: ForecastView, nullable: true }) forecast: ForecastView | null;
  @ApiProperty({ type: SpendControlsVersionView, nullable: true }) spendControls: SpendControlsVersionView | null;
  @ApiProperty({ example: 'subtotal before tax' }) budgetBasis: string;
  @ApiProperty({ nullable: true, type: String, example: '55.00', description: 'draft subtotal ÷ budget, in percent' }) spentShare: string | null;
  @ApiProperty({ nullable: true, type: String, example: '65.50', description: 'forecast subtotal ÷ budget, in percent' }) forecastShare: string | null;
  @ApiProperty({ type: [ThresholdCrossingView], description: 'Thresholds crossed in this period (each announced once by spend.threshold_crossed)' })
  thresholdsCrossed: ThresholdCrossingView[];
}
