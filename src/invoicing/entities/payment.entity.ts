import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { numericString } from '../../common/money';

/** A payment received against an invoice: append-only. */
@Entity('payments')
export class Payment {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('uuid', { name: 'invoice_id' }) invoiceId: string;
  @Column('numeric', { precision: 38, scale: 12, transformer: numericString }) amount: string;
  @Column('date', { name: 'paid_on' }) paidOn: string;
  @Column('text', { nullable: true }) reference: string | null;
  @Column('uuid', { name: 'journal_entry_id' }) journalEntryId: string;
  @Column('uuid', { name: 'created_by_key_id', nullable: true }) createdByKeyId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
