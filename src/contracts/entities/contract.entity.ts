import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { numericString } from '../../common/money';

export type ContractStatus = 'draft' | 'active' | 'terminated';
export type BillingCycle = 'monthly' | 'annual';

@Entity('contracts')
export class Contract {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('uuid', { name: 'customer_id' }) customerId: string;
  @Column('text') name: string;
  @Column('char', { length: 3 }) currency: string;
  @Column('text') timezone: string;
  /** numeric: a decimal string, never a JS number */
  @Column('numeric', { name: 'tax_rate', precision: 9, scale: 6, transformer: numericString }) taxRate: string;
  @Column('date', { name: 'starts_on' }) startsOn: string;
  @Column('date', { name: 'ends_on', nullable: true }) endsOn: string | null;
  @Column('text', { name: 'billing_cycle' }) billingCycle: BillingCycle;
  @Column('text') status: ContractStatus;
  /** The customer's purchase order or reference, printed on its invoices. */
  @Column('text', { name: 'po_reference', nullable: true }) poReference: string | null;
  /** Payment terms: an invoice is due this many days after its issue date (net N). */
  @Column('integer', { name: 'payment_terms_days' }) paymentTermsDays: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
