import { Column, Entity, PrimaryColumn } from 'typeorm';

export type BillingRunStatus = 'running' | 'completed' | 'failed';

export interface BillingRunError {
  contractId: string;
  message: string;
}

@Entity('billing_runs')
export class BillingRun {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('text', { name: 'period_label' }) periodLabel: string;
  @Column('uuid', { name: 'contract_ids', array: true, nullable: true }) contractIds: string[] | null;
  @Column('text') status: BillingRunStatus;
  @Column('int', { name: 'contracts_total' }) contractsTotal: number;
  @Column('int') drafted: number;
  @Column('int') refused: number;
  @Column('int', { name: 'already_finalized' }) alreadyFinalized: number;
  @Column('int') failed: number;
  @Column('jsonb') errors: BillingRunError[];
  @Column('uuid', { name: 'requested_by_key_id', nullable: true }) requestedByKeyId: string | null;
  @Column('timestamptz', { name: 'started_at' }) startedAt: Date;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt: Date | null;
}
