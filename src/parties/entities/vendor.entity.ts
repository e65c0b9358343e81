import { CreateDateColumn, Entity, PrimaryColumn, Column } from 'typeorm';

/** A tenant. Its signing keys live in vendor_signing_keys (encrypted); the old plaintext columns stay NULL. */
@Entity('vendors')
export class Vendor {
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('text') name: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
