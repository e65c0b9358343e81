import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { PageQuery } from '../../common/http/pagination';
import { IsIsoCurrency } from '../../common/validation/decorators';
import type { BrokenReason, JournalKind, ReferenceType } from '../chain';

const ACCOUNT = /^[a-z_]+(:[A-Za-z0-9_.-]+)*$/;

export class EntryListQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'receivable:0199…', description: 'entries with a line on this account' })
  @IsOptional() @IsString() @Length(1, 200) @Matches(ACCOUNT, { message: 'account must look like receivable:<customerId> or tax_payable' })
  account?: string;

  @ApiPropertyOptional() @IsOptional() @IsUUID()
  contractId?: string;
}

export class BalanceQuery {
  @ApiPropertyOptional({ example: 'tax_payable', description: 'one account exactly' })
  @IsOptional() @IsString() @Length(1, 200) @Matches(ACCOUNT, { message: 'account must look like receivable:<customerId> or tax_payable' })
  account?: string;

  @ApiPropertyOptional({ example: 'receivable:', description: 'accounts starting with this text, e.g. every customer’s receivable' })
  @IsOptional() @IsString() @Length(1, 200) @Matches(/^[a-z_]+(:[A-Za-z0-9_.-]*)*$/, { message: 'accountPrefix must look like receivable:' })
  accountPrefix?: string;

  @ApiPropertyOptional({ example: 'CNY' }) @IsOptional() @IsIsoCurrency()
  currency?: string;
}

export class JournalLineView {
  @ApiProperty() lineNo: number;
  @ApiProperty({ example: 'receivable:0199…' }) account: string;
  @ApiProperty({ example: 'CNY' }) currency: string;
  @ApiProperty({ nullable: true, example: '1060.00', type: String }) debit: string | null;
  @ApiProperty({ nullable: true, example: null, type: String }) credit: string | null;
  @ApiProperty({ nullable: true, type: String }) memo: string | null;
}

export class JournalReferenceView {
  @ApiProperty({ enum: ['invoice', 'credit_note', 'payment'] }) type: ReferenceType;
  @ApiProperty() id: string;
}

export class JournalEntryView {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'position in the vendor’s chain, from 1, gapless (a bigint as a string)' }) sequence: string;
  @ApiProperty({ enum: ['invoice_finalized', 'credit_note', 'payment'] }) kind: JournalKind;
  @ApiProperty() reference: JournalReferenceView;
  @ApiProperty({ nullable: true, type: String }) contractId: string | null;
  @ApiProperty({ nullable: true, type: String }) customerId: string | null;
  @ApiProperty() description: string;
  @ApiProperty({ example: '2026-03-31' }) effectiveAt: string;
  @ApiProperty() postedAt: string;
  @ApiProperty({ description: 'hash of the previous entry (64 zeros for the first)' }) prevHash: string;
  @ApiProperty({ description: 'sha256(prevHash ‖ canonical entry), hex' }) hash: string;
  @ApiProperty({ type: [JournalLineView] }) lines: JournalLineView[];
}

export class JournalEntryPage {
  @ApiProperty({ type: [JournalEntryView] }) data: JournalEntryView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class AccountBalanceView {
  @ApiProperty() account: string;
  @ApiProperty() currency: string;
  @ApiProperty({ example: '1060.00' }) debit: string;
  @ApiProperty({ example: '0.00' }) credit: string;
  @ApiProperty({ example: '1060.00', description: 'debit − credit' }) balance: string;
}

export class BalancesView {
  @ApiProperty({ type: [AccountBalanceView] }) data: AccountBalanceView[];
}

export class BrokenLinkView {
  @ApiProperty() sequence: string;
  @ApiProperty({ nullable: true, type: String }) entryId: string | null;
  @ApiProperty({ enum: ['hash_mismatch', 'prev_hash_mismatch', 'unbalanced', 'sequence_gap'] }) reason: BrokenReason;
}

export class ChainReportView {
  @ApiProperty() ok: boolean;
  @ApiProperty({ description: 'entries walked' }) entries: number;
  @ApiProperty({ description: 'hash of the last entry walked' }) headHash: string;
  @ApiPropertyOptional({ type: BrokenLinkView }) firstBroken?: BrokenLinkView;
}
