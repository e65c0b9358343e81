import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { SecretEnvelope } from '../../secrets/secret-box';

export const WEBHOOK_EVENT_TYPES = ['invoice.finalized', 'invoice.paid', 'credit_note.created', 'outcome.disputed', 'spend.threshold_crossed', 'billing_run.completed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

@Entity('webhook_endpoints')
export class WebhookEndpoint {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('text') url: string;
  /** Signs every delivery; shown once (at registration or rotation), stored only encrypted (src/secrets). */
  @Column('jsonb', { name: 'secret_envelope', select: false }) secretEnvelope: SecretEnvelope;
  /** After a rotation: the replaced secret, which also signs deliveries until previousSecretExpiresAt. */
  @Column('jsonb', { name: 'previous_secret_envelope', nullable: true, select: false }) previousSecretEnvelope: SecretEnvelope | null;
  @Column('timestamptz', { name: 'previous_secret_expires_at', nullable: true }) previousSecretExpiresAt: Date | null;
  @Column('text', { name: 'event_types', array: true }) eventTypes: WebhookEventType[];
  @Column('text', { nullable: true }) description: string | null;
  @Column('boolean') active: boolean;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'disabled_at', nullable: true }) disabledAt: Date | null;
}

/** The outbox: append-only, written in the transaction of the change it announces. */
@Entity('webhook_events')
export class WebhookEvent {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('text') type: WebhookEventType;
  @Column('jsonb') payload: Record<string, unknown>;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
}

/** One event to one endpoint: its current state. Each HTTP attempt is a WebhookDeliveryAttempt. */
@Entity('webhook_deliveries')
export class WebhookDelivery {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('uuid', { name: 'event_id' }) eventId: string;
  @Column('uuid', { name: 'endpoint_id' }) endpointId: string;
  @Column('integer') attempts: number;
  @Column('text') status: DeliveryStatus;
  @Column('timestamptz', { name: 'next_attempt_at', nullable: true }) nextAttemptAt: Date | null;
  @Column('integer', { name: 'last_response_status', nullable: true }) lastResponseStatus: number | null;
  @Column('text', { name: 'last_error', nullable: true }) lastError: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'delivered_at', nullable: true }) deliveredAt: Date | null;
}

@Entity('webhook_delivery_attempts')
export class WebhookDeliveryAttempt {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('uuid', { name: 'delivery_id' }) deliveryId: string;
  @Column('integer') attempt: number;
  @Column('timestamptz', { name: 'started_at' }) startedAt: Date;
  @Column('integer', { name: 'duration_ms' }) durationMs: number;
  @Column('integer', { name: 'response_status', nullable: true }) responseStatus: number | null;
  @Column('text', { nullable: true }) error: string | null;
  @Column('boolean') succeeded: boolean;
}
