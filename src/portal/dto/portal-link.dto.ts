import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';

export const PORTAL_LINK_ROLES = ['customer', 'auditor'] as const;
export type PortalLinkRole = (typeof PORTAL_LINK_ROLES)[number];

export class CreatePortalLinkDto {
  @ApiProperty({ enum: PORTAL_LINK_ROLES }) @IsIn(PORTAL_LINK_ROLES)
  role: PortalLinkRole;

  @ApiPropertyOptional({ description: 'role customer: the customer who signs in' })
  @IsOptional() @IsUUID()
  customerId?: string;

  @ApiPropertyOptional({ type: [String], description: 'role auditor: the contracts the auditor may see' })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(1000) @ArrayUnique() @IsUUID(undefined, { each: true })
  contractIds?: string[];

  @ApiPropertyOptional({ description: 'minutes until the link expires (default 15)', minimum: 1, maximum: 10080 })
  @IsOptional() @IsInt() @Min(1) @Max(10080)
  expiresInMinutes?: number;
}

export class PortalLinkView {
  @ApiProperty({ description: 'Single-use sign-in URL. Shown once: only a hash of its token is stored.' }) url: string;
  @ApiProperty() expiresAt: string;
}
