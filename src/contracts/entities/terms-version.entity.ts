import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Terms } from '../../pricing/types';

/** One immutable version of a contract's pricing (the table refuses UPDATE and DELETE). */
@Entity('terms_versions')
export class TermsVersion {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('uuid', { name: 'contract_id' }) contractId: string;
  @Column('int') version: number;
  @Column('date', { name: 'effective_from' }) effectiveFrom: string;
  @Column('jsonb') document: Terms;
  @Column('text', { name: 'document_sha256' }) documentSha256: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
