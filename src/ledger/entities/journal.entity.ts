import { Column, Entity, PrimaryColumn } from 'typeorm';
import { numericString } from '../../common/money';
import type { JournalKind, ReferenceType } from '../chain';

// Append-only tables: the ledger service only ever INSERTs them (the database refuses the rest).

@Entity('journal_entries')
export class JournalEntry {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  /** bigint: a string */
  @Column('bigint') sequence: string;
  @Column('text') kind: JournalKind;
  @Column('text', { name: 'reference_type' }) referenceType: ReferenceType;
  @Column('text', { name: 'reference_id' }) referenceId: string;
  @Column('uuid', { name: 'contract_id', nullable: true }) contractId: string | null;
  @Column('uuid', { name: 'customer_id', nullable: true }) customerId: string | null;
  @Column('text') description: string;
  /** Exactly as hashed: `YYYY-MM-DD` or a UTC timestamp. */
  @Column('text', { name: 'effective_at' }) effectiveAt: string;
  @Column('timestamptz', { name: 'posted_at' }) postedAt: Date;
  @Column('text', { name: 'prev_hash' }) prevHash: string;
  @Column('text') hash: string;
}

@Entity('journal_lines')
export class JournalLine {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { name: 'entry_id' }) entryId: string;
  @PrimaryColumn('integer', { name: 'line_no' }) lineNo: number;
  @Column('text') account: string;
  @Column('char', { length: 3 }) currency: string;
  @Column('numeric', { precision: 38, scale: 12, nullable: true, transformer: numericString }) debit: string | null;
  @Column('numeric', { precision: 38, scale: 12, nullable: true, transformer: numericString }) credit: string | null;
  @Column('text', { nullable: true }) memo: string | null;
}

/** The vendor's chain head: a pointer moved by each posting, never history. */
@Entity('ledger_heads')
export class LedgerHead {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @Column('bigint') sequence: string;
  @Column('text') hash: string;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}
