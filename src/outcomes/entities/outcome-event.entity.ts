import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An immutable state transition of an outcome (the table refuses UPDATE and DELETE). */
@Entity('outcome_events')
export class OutcomeEvent {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('uuid', { name: 'outcome_id' }) outcomeId: string;
  @Column('text', { name: 'from_status', nullable: true }) fromStatus: string | null;
  @Column('text', { name: 'to_status' }) toStatus: string;
  @Column('uuid', { name: 'actor_key_id', nullable: true }) actorKeyId: string | null;
  @Column('text', { name: 'actor_role' }) actorRole: string;
  @Column('text', { nullable: true }) reason: string | null;
  @Column('timestamptz', { name: 'occurred_at', default: () => 'clock_timestamp()' }) occurredAt: Date;
}
