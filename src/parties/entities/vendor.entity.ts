import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('vendors')
export class Vendor {
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('text') name: string;
  @Column('text', { name: 'signing_public_key' }) signingPublicKey: string;
  @Column('text', { name: 'signing_private_key', select: false }) signingPrivateKey: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
