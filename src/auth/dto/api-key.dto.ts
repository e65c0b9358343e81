import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { ROLES, type Role } from '../entities/api-key.entity';

export class CreateApiKeyDto {
  @ApiProperty() @IsString() @Length(1, 200)
  name: string;

  @ApiProperty({ enum: ROLES }) @IsIn(ROLES)
  role: Role;

  @ApiPropertyOptional({ description: 'Required for role customer: the customer the key acts for' })
  @IsOptional() @IsUUID()
  customerId?: string;

  @ApiPropertyOptional({ description: 'Auditor keys only: restrict to these contracts (default: the whole vendor)' })
  @IsOptional() @IsArray() @ArrayMaxSize(1000) @ArrayUnique() @IsUUID(undefined, { each: true })
  contractIds?: string[];

  @ApiPropertyOptional({ description: 'Required for role verifier: the verifier (POST /v1/verifiers) the key decides for' })
  @IsOptional() @IsUUID()
  verifierId?: string;
}

export class ApiKeyView {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ nullable: true, type: String }) customerId: string | null;
  @ApiProperty({ nullable: true, type: [String] }) contractIds: string[] | null;
  @ApiProperty({ nullable: true, type: String }) verifierId: string | null;
  @ApiProperty({ description: 'First characters of the key, to recognise it' }) prefix: string;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) revokedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) lastUsedAt: string | null;
}

export class IssuedApiKeyView extends ApiKeyView {
  @ApiProperty({ description: 'The key itself. Shown once: only its hash is stored.' }) secret: string;
}
