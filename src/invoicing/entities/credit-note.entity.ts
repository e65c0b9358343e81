import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { numericString } from '../../common/money';

export interface CreditNoteLine {
  /** The invoice line credited. */
  key: string;
  componentType: string;
  kind: string;
  description: string;
  amount: string;
}

/** A credit note: append-only (the table refuses UPDATE and DELETE). */
@Entity('credit_notes')
export class CreditNote {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('uuid', { name: 'invoice_id' }) invoiceId: string;
  @Column('text') number: string;
  @Column('text') reason: string;
  @Column('jsonb') lines: CreditNoteLine[];
  @Column('numeric', { precision: 38, scale: 12, transformer: numericString }) subtotal: string;
  @Column('numeric', { precision: 38, scale: 12, transformer: numericString }) tax: string;
  @Column('numeric', { precision: 38, scale: 12, transformer: numericString }) total: string;
  @Column('uuid', { name: 'journal_entry_id' }) journalEntryId: string;
  @Column('uuid', { name: 'created_by_key_id', nullable: true }) createdByKeyId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
