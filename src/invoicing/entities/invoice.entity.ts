import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { numericString } from '../../common/money';
import type { CalculationTrace, InvoiceLine, PricingRefusalCode } from '../../pricing/types';

export type InvoiceStatus = 'draft' | 'finalized' | 'paid' | 'void';
export const INVOICE_STATUSES: InvoiceStatus[] = ['draft', 'finalized', 'paid', 'void'];

export interface TaxInvoiceRecord {
  number: string;
  issuedOn: string;
  recordedAt: string;
}

export interface StoredRefusal {
  code: PricingRefusalCode;
  reason: string;
  details: Record<string, unknown>;
}

/**
 * One invoice per contract and period. A draft is recomputed freely; once finalized the table's
 * trigger refuses every change but the status (finalized → paid | void).
 */
@Entity('invoices')
export class Invoice {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('uuid', { name: 'contract_id' }) contractId: string;
  @Column('uuid', { name: 'customer_id' }) customerId: string;
  @Column('text', { name: 'period_label' }) periodLabel: string;
  @Column('date', { name: 'period_start' }) periodStart: string;
  @Column('date', { name: 'period_end' }) periodEnd: string;
  @Column('text') status: InvoiceStatus;
  @Column('text', { nullable: true }) number: string | null;
  @Column('char', { length: 3 }) currency: string;
  @Column('uuid', { name: 'terms_version_id', nullable: true }) termsVersionId: string | null;
  @Column('numeric', { precision: 38, scale: 12, nullable: true, transformer: numericString }) subtotal: string | null;
  @Column('numeric', { precision: 38, scale: 12, nullable: true, transformer: numericString }) tax: string | null;
  @Column('numeric', { precision: 38, scale: 12, nullable: true, transformer: numericString }) total: string | null;
  @Column('jsonb') lines: InvoiceLine[];
  @Column('jsonb', { nullable: true }) trace: CalculationTrace | null;
  /** The canonical bytes the digest covers; `trace` is the same document as jsonb for queries. */
  @Column('text', { name: 'trace_json', nullable: true }) traceJson: string | null;
  @Column('text', { name: 'trace_digest', nullable: true }) traceDigest: string | null;
  @Column('jsonb', { nullable: true }) refusal: StoredRefusal | null;
  @Column('timestamptz', { name: 'computed_at' }) computedAt: Date;
  @Column('timestamptz', { name: 'finalized_at', nullable: true }) finalizedAt: Date | null;
  @Column('uuid', { name: 'journal_entry_id', nullable: true }) journalEntryId: string | null;
  /** Set at finalization: the local date in `timeZone` (the contract's), and issue date + net days. */
  @Column('date', { name: 'issue_date', nullable: true }) issueDate: string | null;
  @Column('date', { name: 'due_date', nullable: true }) dueDate: string | null;
  @Column('text', { name: 'time_zone', nullable: true }) timeZone: string | null;
  @Column('integer', { name: 'payment_terms_days', nullable: true }) paymentTermsDays: number | null;
  @Column('text', { name: 'po_reference', nullable: true }) poReference: string | null;
  /** The spend controls' hard limit the invoice was priced with, or null. */
  @Column('jsonb', { name: 'spend_limit', nullable: true }) spendLimit: { budget: string; controlsVersionId?: string } | null;
  /** The official tax invoice (fapiao) recorded for it, from invoice_tax_invoices (not a column). */
  taxInvoice?: TaxInvoiceRecord | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
