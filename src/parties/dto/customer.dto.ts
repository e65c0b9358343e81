import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';

const NAME = /^[^\u0000-\u001f]+$/;

export class CreateCustomerDto {
  @ApiProperty({ example: 'Shenzhen Precision Parts Co.' })
  @IsString() @Length(1, 200) @Matches(NAME, { message: 'name must not contain control characters' })
  name: string;

  @ApiPropertyOptional({ description: 'Your own reference for the customer (unique per vendor)', example: 'CRM-0042' })
  @IsOptional() @IsString() @Length(1, 200) @Matches(NAME, { message: 'reference must not contain control characters' })
  reference?: string;
}

export class UpdateCustomerDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) @Matches(NAME, { message: 'name must not contain control characters' })
  name?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) @Matches(NAME, { message: 'reference must not contain control characters' })
  reference?: string;
}

export class CustomerView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true }) reference: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}
