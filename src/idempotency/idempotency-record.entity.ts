import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * One answered request per (vendor, API key, method, route template, Idempotency-Key). A row only
 * ever exists committed together with the effect it answers; it expires at `expiresAt`.
 */
@Entity('idempotency_keys')
export class IdempotencyRecord {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { name: 'key_id' }) keyId: string;
  @PrimaryColumn('text') method: string;
  @PrimaryColumn('text') route: string;
  @PrimaryColumn('text') key: string;
  @Column('text') path: string;
  @Column('text', { name: 'request_sha256' }) requestSha256: string;
  @Column('int', { name: 'status_code', nullable: true }) statusCode: number | null;
  @Column('json', { name: 'response_body', nullable: true }) responseBody: unknown;
  /** The answer carried a secret: only this marker is stored, and a replay is refused. */
  @Column('boolean', { name: 'secret_withheld', default: false }) secretWithheld: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completedAt: Date | null;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt: Date;
}
