import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { PageQuery } from '../../common/http/pagination';
import { BOUNDED_MONTH_LABEL } from '../../kernel/calendar';

/** A month `YYYY-MM` of the years 1970–2999: the kernel's one rule. */
export const PERIOD_LABEL = BOUNDED_MONTH_LABEL;

export class EvidenceQuery {
  @ApiPropertyOptional({ example: '2026-01', description: 'First billing period (YYYY-MM); default: the contract’s start' })
  @IsOptional() @Matches(PERIOD_LABEL, { message: 'from must be a month YYYY-MM' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-03', description: 'Last billing period (YYYY-MM), inclusive; default: up to now' })
  @IsOptional() @Matches(PERIOD_LABEL, { message: 'to must be a month YYYY-MM' })
  to?: string;
}

export const EXPORT_KINDS = ['evidence_bundle', 'statement', 'roi', 'portfolio'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
export type ExportFormat = 'json' | 'csv' | 'pdf' | 'zip';

export class ExportLogQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsUUID()
  contractId?: string;

  @ApiPropertyOptional({ enum: EXPORT_KINDS }) @IsOptional() @IsIn(EXPORT_KINDS)
  kind?: ExportKind;
}

export class ExportLogView {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'The API key that exported' }) keyId: string;
  @ApiProperty({ description: 'Its name, to recognise it' }) keyName: string;
  @ApiProperty({ enum: ['vendor_admin', 'customer', 'auditor'] }) role: string;
  @ApiProperty({ enum: EXPORT_KINDS }) kind: ExportKind;
  @ApiProperty({ enum: ['json', 'csv', 'pdf', 'zip'] }) format: ExportFormat;
  @ApiProperty({ nullable: true, type: String }) contractId: string | null;
  @ApiProperty({ nullable: true, type: String }) customerId: string | null;
  @ApiProperty({ description: 'The request’s parameters (range, period, threshold)' }) params: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String, description: 'Evidence bundles: SHA-256 of the signed manifest.json' }) manifestSha256: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Evidence bundles: when the manifest was written (null: the download did not complete)' })
  completedAt: string | null;
  @ApiProperty() createdAt: string;
}

export { SigningKeyList, SigningKeyView } from '../../parties/dto/signing-key.dto';
