import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type Role = 'vendor_admin' | 'customer' | 'auditor' | 'verifier';
export const ROLES: Role[] = ['vendor_admin', 'customer', 'auditor', 'verifier'];

@Entity('api_keys')
export class ApiKey {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('text') name: string;
  @Column('text') role: Role;
  @Column('uuid', { name: 'customer_id', nullable: true }) customerId: string | null;
  @Column('uuid', { name: 'contract_ids', array: true, nullable: true }) contractIds: string[] | null;
  @Column('uuid', { name: 'verifier_id', nullable: true }) verifierId: string | null;
  @Column('text') prefix: string;
  @Column('text', { name: 'key_sha256', select: false }) keySha256: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt: Date | null;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) lastUsedAt: Date | null;
}
