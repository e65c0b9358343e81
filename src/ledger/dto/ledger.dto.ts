import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { PageQuery } from '../../common/http/pagination';
import { IsIsoCurrency } from '../../common/validation/decorators';
import { BROKEN_REASONS, type BrokenReason, type JournalKind, type ReferenceType } from '../chain';
import { CHECKPOINT_FORMAT } from '../checkpoint';

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
  @ApiProperty({ enum: BROKEN_REASONS }) reason: BrokenReason;
}

export class ChainReportView {
  @ApiProperty() ok: boolean;
  @ApiProperty({ description: 'entries walked' }) entries: number;
  @ApiProperty({ description: 'hash of the last entry walked' }) headHash: string;
  @ApiPropertyOptional({ description: 'signed checkpoints (stored and supplied) the chain was held to' }) checkpoints?: number;
  @ApiPropertyOptional({ type: BrokenLinkView }) firstBroken?: BrokenLinkView;
}

export class LedgerCheckpointView {
  @ApiProperty({ enum: [CHECKPOINT_FORMAT] }) format: typeof CHECKPOINT_FORMAT;
  @ApiProperty() vendorId: string;
  @ApiProperty({ example: '42', description: 'the chain entry it names (a bigint as a string; "0" is genesis)' }) sequence: string;
  @ApiProperty({ description: 'that entry’s hash (sha256 hex)' }) hash: string;
  @ApiProperty({ description: 'UTC, milliseconds' }) signedAt: string;
  @ApiProperty({ description: 'the vendor signing key that signed it (GET /v1/vendor/signing-keys)' }) keyId: string;
  @ApiProperty() publicKeyFingerprint: string;
  @ApiProperty({ enum: ['Ed25519'] }) algorithm: 'Ed25519';
  @ApiProperty({ description: 'base64 Ed25519 signature over the canonical JSON of every other field (src/ledger/checkpoint.ts)' })
  signature: string;
}

export class LedgerCheckpointPage {
  @ApiProperty({ type: [LedgerCheckpointView] }) data: LedgerCheckpointView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class KeptCheckpointView {
  @ApiProperty() sequence: string;
  @ApiProperty() hash: string;
  @ApiProperty() signedAt: string;
  @ApiProperty({ description: 'the current chain still holds that entry with that hash, and verifies from genesis through the head' })
  extended: boolean;
}

export class CheckpointChainReportView extends ChainReportView {
  @ApiProperty({ type: KeptCheckpointView }) checkpoint: KeptCheckpointView;
}

export class VerifyAgainstCheckpointBody {
  @ApiProperty({ type: LedgerCheckpointView, description: 'a checkpoint kept earlier (from GET /v1/ledger/checkpoints/latest, a statement or a bundle)' })
  @IsObject()
  checkpoint: Record<string, unknown>;
}
