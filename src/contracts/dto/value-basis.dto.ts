import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, Length, ValidateNested } from 'class-validator';
import { IsCalendarDate, IsDecimalString } from '../../common/validation/decorators';
import { VALUE_METHODS, type ValueMethod } from '../value-basis';

export class ValueBasisItemDto {
  @ApiProperty({ example: 'report', description: 'An outcome type or guarantee KPI the contract’s terms declare' })
  @IsString() @Length(1, 100)
  outcomeType: string;

  @ApiProperty({
    enum: VALUE_METHODS,
    description: 'measured: the outcomes’ own value; per_unit: Σ verified quantity × unitValue; per_kpi_point: (month’s average KPI − baseline) × unitValue; per_recurring_unit: unitValue per unit of a flat fee (outcomeType names its unit, e.g. seat) × its quantity × active days ÷ days in the month',
  })
  @IsIn(VALUE_METHODS as ValueMethod[])
  method: ValueMethod;

  @ApiPropertyOptional({ example: '40.00', description: 'Money per unit (per_unit), per KPI point per month (per_kpi_point) or per unit in service per month (per_recurring_unit), in the contract’s currency' })
  @IsOptional() @IsDecimalString({ min: '0', max: '1000000000000', maxDecimals: 9 })
  unitValue?: string;

  @ApiPropertyOptional({ example: '0', description: 'per_kpi_point: the KPI’s value without the AI (default 0)' })
  @IsOptional() @IsDecimalString({ min: '-1000000000', max: '1000000000', maxDecimals: 6 })
  baseline?: string;

  @ApiPropertyOptional({ description: 'An agreed estimate rather than measured value; default: false for measured, true otherwise' })
  @IsOptional() @IsBoolean()
  estimated?: boolean;

  @ApiProperty({ example: 'radiologist reading time saved per accepted report (agreed with the hospital)' })
  @IsString() @Length(1, 500)
  description: string;
}

export class CreateValueBasisDto {
  @ApiProperty({ example: '2026-03-01', description: 'First day of a month of the contract (or its start) from which this version counts' })
  @IsCalendarDate()
  effectiveFrom: string;

  @ApiPropertyOptional({ example: 'Agreed in the steering meeting of 2026-02-20' })
  @IsOptional() @IsString() @Length(1, 2000)
  description?: string;

  @ApiProperty({ type: [ValueBasisItemDto] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => ValueBasisItemDto)
  items: ValueBasisItemDto[];
}

export class ValueBasisItemView {
  @ApiProperty() outcomeType: string;
  @ApiProperty({ enum: VALUE_METHODS }) method: ValueMethod;
  @ApiProperty({ nullable: true, type: String }) unitValue: string | null;
  @ApiProperty({ nullable: true, type: String }) baseline: string | null;
  @ApiProperty() estimated: boolean;
  @ApiProperty() description: string;
}

export class ValueBasisVersionView {
  @ApiProperty() id: string;
  @ApiProperty() contractId: string;
  @ApiProperty() effectiveFrom: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ type: [ValueBasisItemView] }) items: ValueBasisItemView[];
  @ApiProperty() createdAt: string;
}
