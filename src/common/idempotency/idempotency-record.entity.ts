import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('idempotency_keys')
export class IdempotencyRecord {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('text') key: string;
  @Column('text') method: string;
  @Column('text') path: string;
  @Column('text', { name: 'request_sha256' }) requestSha256: string;
  @Column('int', { name: 'status_code', nullable: true }) statusCode: number | null;
  @Column('jsonb', { name: 'response_body', nullable: true }) responseBody: unknown;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completedAt: Date | null;
}
