import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { SecretEnvelope } from '../../secrets/secret-box';

/** One Ed25519 key a vendor signs (or signed) evidence with. Never deleted; retired once by a rotation. */
@Entity('vendor_signing_keys')
export class VendorSigningKey {
  @PrimaryColumn('uuid', { name: 'vendor_id' }) vendorId: string;
  @PrimaryColumn('uuid', { default: () => 'uuidv7()' }) id: string;
  @Column('text') algorithm: 'Ed25519';
  @Column('text', { name: 'public_key_pem' }) publicKeyPem: string;
  @Column('text') fingerprint: string;
  /** The PKCS#8 private key, encrypted (src/secrets). */
  @Column('jsonb', { name: 'private_key_envelope', select: false }) privateKeyEnvelope: SecretEnvelope;
  @Column('timestamptz', { name: 'valid_from' }) validFrom: Date;
  @Column('timestamptz', { name: 'valid_until', nullable: true }) validUntil: Date | null;
}
