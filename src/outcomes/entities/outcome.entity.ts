import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { numericString } from '../../common/money';

export type OutcomeStatus = 'recorded' | 'verified' | 'rejected' | 'disputed' | 'reversed';

@Entity('outcomes')
export class Outcome {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('uuid', { name: 'contract_id' }) contractId: string;
  @Column('text', { name: 'external_id' }) externalId: string;
  @Column('text') type: string;
  @Column('numeric', { precision: 38, scale: 12, nullable: true, transformer: numericString }) quantity: string | null;
  @Column('numeric', { precision: 38, scale: 12, nullable: true, transformer: numericString }) value: string | null;
  @Column('timestamptz', { name: 'occurred_at' }) occurredAt: Date;
  @Column('jsonb') dimensions: Record<string, string>;
  @Column('jsonb', { nullable: true }) evidence: unknown;
  @Column('text', { name: 'evidence_uri', nullable: true }) evidenceUri: string | null;
  @Column('text', { name: 'evidence_sha256', nullable: true }) evidenceSha256: string | null;
  @Column('text') status: OutcomeStatus;
  @Column('uuid', { name: 'corrects_outcome_id', nullable: true }) correctsOutcomeId: string | null;
  @Column('text', { name: 'content_sha256' }) contentSha256: string;
  @Column('timestamptz', { name: 'verified_at', nullable: true }) verifiedAt: Date | null;
  @Column('uuid', { name: 'recorded_by_key_id', nullable: true }) recordedByKeyId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
