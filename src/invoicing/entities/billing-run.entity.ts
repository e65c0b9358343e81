import { Column, Entity, PrimaryColumn } from 'typeorm';

export type BillingRunStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface BillingRunError {
  contractId: string;
  message: string;
}

export type BillingRunContractResult = 'drafted' | 'skipped' | 'failed';

/**
 * Why a run did not draft a contract. The first four are decided before pricing (the contract is
 * not billable in the period), the rest by what refreshing its draft met.
 */
export type BillingRunSkipReason =
  | 'BILLING_CYCLE_MISMATCH'
  | 'CONTRACT_NOT_ACTIVE'
  | 'CONTRACT_NOT_STARTED'
  | 'CONTRACT_ENDED'
  | 'INVOICE_ALREADY_FINALIZED'
  | 'TERMS_REFUSED'
  | 'NO_TERMS_IN_FORCE';

/** One contract a run considered, and what it did with it (a row of `billing_run_contracts`). */
export interface BillingRunContract {
  contractId: string;
  result: BillingRunContractResult;
  invoiceId: string | null;
  /** A skip reason, or for a failure the domain error code (`INTERNAL_ERROR` when unexpected). */
  reasonCode: string | null;
  reason: string | null;
  /**
   * For TERMS_REFUSED: the terms' own error code; for a drafted invoice: its total, and with
   * finalizeWhenDrafted whether it was finalized or why not; for a failure: the error's message.
   */
  details: { termsCode?: string; total?: string; finalized?: boolean; finalizeCode?: string; message?: string } | null;
}

@Entity('billing_runs')
export class BillingRun {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('text', { name: 'period_label' }) periodLabel: string;
  @Column('uuid', { name: 'contract_ids', array: true, nullable: true }) contractIds: string[] | null;
  @Column('text') status: BillingRunStatus;
  @Column('int', { name: 'contracts_total' }) contractsTotal: number;
  /** Billable contracts and those skipped before pricing: the run is complete when each has its result row. */
  @Column('int') considered: number;
  @Column('boolean', { name: 'finalize_when_drafted' }) finalizeWhenDrafted: boolean;
  @Column('int') drafted: number;
  @Column('int') refused: number;
  @Column('int', { name: 'already_finalized' }) alreadyFinalized: number;
  @Column('int') failed: number;
  @Column('jsonb') errors: BillingRunError[];
  @Column('uuid', { name: 'requested_by_key_id', nullable: true }) requestedByKeyId: string | null;
  @Column('timestamptz', { name: 'started_at' }) startedAt: Date;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt: Date | null;
}
