import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { PageQuery } from '../../common/http/pagination';
import { IsCalendarDate, IsDecimalString, IsIanaTimezone, IsIsoCurrency } from '../../common/validation/decorators';
import type { Terms } from '../../pricing/types';
import type { BillingCycle, ContractStatus } from '../entities/contract.entity';

export class CreateContractDto {
  @ApiProperty() @IsUUID()
  customerId: string;

  @ApiProperty({ example: 'Defect inspection — 3 lines' })
  @IsString() @Length(1, 200) @Matches(/^[^\u0000-\u001f]+$/, { message: 'name must not contain control characters' })
  name: string;

  @ApiProperty({ example: 'CNY', description: 'ISO 4217' }) @IsIsoCurrency()
  currency: string;

  @ApiPropertyOptional({ example: 'Asia/Shanghai', default: 'Asia/Shanghai', description: 'IANA timezone of period boundaries' })
  @IsOptional() @IsIanaTimezone()
  timezone?: string;

  @ApiProperty({ example: '0.06', description: 'Tax rate on the subtotal, 0..1' })
  @IsDecimalString({ min: '0', max: '1', maxDecimals: 6 })
  taxRate: string;

  @ApiProperty({ example: '2026-03-01' }) @IsCalendarDate()
  startsOn: string;

  @ApiPropertyOptional({ example: '2027-02-28', description: 'Last day of the contract (inclusive)' })
  @IsOptional() @IsCalendarDate()
  endsOn?: string;

  @ApiPropertyOptional({ enum: ['monthly', 'annual'], default: 'monthly' })
  @IsOptional() @IsIn(['monthly', 'annual'])
  billingCycle?: BillingCycle;

  @ApiPropertyOptional({ enum: ['draft', 'active'], default: 'draft' })
  @IsOptional() @IsIn(['draft', 'active'])
  status?: 'draft' | 'active';

  @ApiPropertyOptional({ example: 'PO-2026-0042', description: "The customer's purchase order or reference, printed on its invoices" })
  @IsOptional() @IsString() @Length(1, 200) @Matches(/^[^\u0000-\u001f]+$/, { message: 'poReference must not contain control characters' })
  poReference?: string;

  @ApiPropertyOptional({ example: 30, default: 30, description: 'Payment terms: net N days after the issue date' })
  @IsOptional() @IsInt() @Min(0) @Max(365)
  paymentTermsDays?: number;

  @ApiProperty({ allOf: [{ $ref: '#/components/schemas/Terms' }], description: 'The first terms version (effective from startsOn): see src/pricing/README.md' })
  @IsObject()
  terms: Terms;
}

/** PO/reference and payment terms of a contract: what its next invoices carry. */
export class UpdateContractBillingDto {
  @ApiPropertyOptional({ nullable: true, type: String, example: 'PO-2026-0042' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @Length(1, 200) @Matches(/^[^\u0000-\u001f]+$/, { message: 'poReference must not contain control characters' })
  poReference?: string | null;

  @ApiPropertyOptional({ example: 45, description: 'Net N days after the issue date' })
  @IsOptional() @IsInt() @Min(0) @Max(365)
  paymentTermsDays?: number;
}

export class CreateTermsVersionDto {
  @ApiProperty({
    example: '2026-06-15',
    description: 'Local date the version takes effect: any day of the contract not yet invoiced. A day inside a billing period splits that period: each part is priced by its own version',
  })
  @IsCalendarDate()
  effectiveFrom: string;

  @ApiProperty({ allOf: [{ $ref: '#/components/schemas/Terms' }], description: 'The amended terms document (see src/pricing/README.md)' }) @IsObject()
  terms: Terms;
}

export class TerminateContractDto {
  @ApiPropertyOptional({ description: 'Last day of service; default: keep endsOn, or today' })
  @IsOptional() @IsCalendarDate()
  endsOn?: string;
}

export class ContractListQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsUUID()
  customerId?: string;

  @ApiPropertyOptional({ enum: ['draft', 'active', 'terminated'] })
  @IsOptional() @IsIn(['draft', 'active', 'terminated'])
  status?: ContractStatus;
}

export class TermsVersionView {
  @ApiProperty() id: string;
  @ApiProperty() version: number;
  @ApiProperty() effectiveFrom: string;
  @ApiProperty({ allOf: [{ $ref: '#/components/schemas/Terms' }], description: 'The terms document of this version' }) terms: Terms;
  @ApiProperty({ description: 'SHA-256 of the canonical terms document' }) sha256: string;
  @ApiProperty() createdAt: string;
}

export class ContractView {
  @ApiProperty() id: string;
  @ApiProperty() customerId: string;
  @ApiProperty() name: string;
  @ApiProperty() currency: string;
  @ApiProperty() timezone: string;
  @ApiProperty() taxRate: string;
  @ApiProperty() startsOn: string;
  @ApiProperty({ nullable: true, type: String }) endsOn: string | null;
  @ApiProperty({ enum: ['monthly', 'annual'] }) billingCycle: BillingCycle;
  @ApiProperty({ enum: ['draft', 'active', 'terminated'] }) status: ContractStatus;
  @ApiProperty({ nullable: true, type: String }) poReference: string | null;
  @ApiProperty({ description: 'Net N days after the issue date' }) paymentTermsDays: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ type: TermsVersionView, description: 'The latest terms version' }) currentTerms: TermsVersionView;
}
