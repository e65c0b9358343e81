import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';

const NAME = /^[^\u0000-\u001f]+$/;
const TEXT = /^[^\u0000-\u0008\u000b-\u001f]+$/; // line breaks allowed (addresses, bank details)

/** The vendor's legal entity, printed as the seller on every invoice and credit note. */
export class UpdateVendorDto {
  @ApiPropertyOptional({ nullable: true, type: String, example: '深圳智检科技有限公司' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @Length(1, 300) @Matches(NAME, { message: 'legalName must not contain control characters' })
  legalName?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: '广东省深圳市南山区粤海街道 100 号' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @Length(1, 500) @Matches(TEXT, { message: 'address must not contain control characters' })
  address?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: 'CN', description: 'ISO 3166 country of the tax id (default CN)' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @Matches(/^[A-Z]{2}$/, { message: 'taxCountry must be an ISO 3166 alpha-2 code' })
  taxCountry?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: '91350100M000100Y43', description: 'For CN, an 18-character unified social credit code (check character verified)' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @Length(1, 64) @Matches(NAME, { message: 'taxId must not contain control characters' })
  taxId?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: '招商银行深圳分行 755900000000001' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @Length(1, 500) @Matches(TEXT, { message: 'bankAccount must not contain control characters' })
  bankAccount?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: 'billing@vendor.example' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @Length(1, 300) @Matches(TEXT, { message: 'contact must not contain control characters' })
  contact?: string | null;
}

export class VendorView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) legalName: string | null;
  @ApiProperty({ nullable: true, type: String }) address: string | null;
  @ApiProperty({ nullable: true, type: String }) taxCountry: string | null;
  @ApiProperty({ nullable: true, type: String }) taxId: string | null;
  @ApiProperty({ nullable: true, type: String }) bankAccount: string | null;
  @ApiProperty({ nullable: true, type: String }) contact: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}
