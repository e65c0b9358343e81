import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';

const NAME = /^[^\u0000-\u001f]+$/;
export const CUSTOMER_LOCALES = ['zh-CN', 'en'] as const;
const TEXT = /^[^\u0000-\u0008\u000b-\u001f]+$/; // line breaks allowed (addresses), other controls not

/** The billing details a finance team needs on the customer's documents. */
export class CustomerBillingDetailsDto {
  @ApiPropertyOptional({ nullable: true, type: String, example: '深圳精密零件有限公司', description: 'Registered legal name, as printed on invoices' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @Length(1, 300) @Matches(NAME, { message: 'legalName must not contain control characters' })
  legalName?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: '广东省深圳市南山区科技园 1 号' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @Length(1, 500) @Matches(TEXT, { message: 'address must not contain control characters' })
  address?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: 'CN', description: 'ISO 3166 country of the tax id (default CN); a CN tax id is an 18-character unified social credit code whose check character is verified' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @Matches(/^[A-Z]{2}$/, { message: 'taxCountry must be an ISO 3166 alpha-2 code' })
  taxCountry?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: '9144030071526726XG' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @Length(1, 64) @Matches(NAME, { message: 'taxId must not contain control characters' })
  taxId?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: 'Accounts payable, ap@example.cn' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @Length(1, 300) @Matches(TEXT, { message: 'contact must not contain control characters' })
  contact?: string | null;

  @ApiPropertyOptional({ enum: CUSTOMER_LOCALES, description: 'Language of the customer\'s documents (default en)' })
  @IsOptional() @IsIn(CUSTOMER_LOCALES, { message: `locale must be one of ${CUSTOMER_LOCALES.join(', ')}` })
  locale?: (typeof CUSTOMER_LOCALES)[number];
}


export class CreateCustomerDto extends CustomerBillingDetailsDto {
  @ApiProperty({ example: 'Shenzhen Precision Parts Co.' })
  @IsString() @Length(1, 200) @Matches(NAME, { message: 'name must not contain control characters' })
  name: string;

  @ApiPropertyOptional({ description: 'Your own reference for the customer (unique per vendor)', example: 'CRM-0042' })
  @IsOptional() @IsString() @Length(1, 200) @Matches(NAME, { message: 'reference must not contain control characters' })
  reference?: string;
}

export class UpdateCustomerDto extends CustomerBillingDetailsDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) @Matches(NAME, { message: 'name must not contain control characters' })
  name?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) @Matches(NAME, { message: 'reference must not contain control characters' })
  reference?: string;
}

export class CustomerView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) reference: string | null;
  @ApiProperty({ nullable: true, type: String }) legalName: string | null;
  @ApiProperty({ nullable: true, type: String }) address: string | null;
  @ApiProperty({ nullable: true, type: String }) taxCountry: string | null;
  @ApiProperty({ nullable: true, type: String }) taxId: string | null;
  @ApiProperty({ nullable: true, type: String }) contact: string | null;
  @ApiProperty({ enum: CUSTOMER_LOCALES }) locale: (typeof CUSTOMER_LOCALES)[number];
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}
