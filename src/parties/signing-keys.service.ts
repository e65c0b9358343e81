import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { publicKeyFingerprint } from '../kernel/key-fingerprint';
import { SecretBox, type SecretEnvelope } from '../secrets/secret-box';
import type { SigningKeyView } from './dto/signing-key.dto';
import { VendorSigningKey } from './entities/vendor-signing-key.entity';

/** The active key, opened for signing: held in memory for one export, never returned by the API. */
export interface VendorSigner {
  keyId: string;
  fingerprint: string;
  publicKeyPem: string;
  sign(data: Buffer): Buffer;
}

/** The envelope is bound to its vendor and public key: copied onto another row it does not open. */
const envelopeContext = (vendorId: string, fingerprint: string) => `vendor-signing-key:${vendorId}:${fingerprint}`;

function toView(k: VendorSigningKey): SigningKeyView {
  return {
    keyId: k.id,
    algorithm: k.algorithm,
    publicKeyPem: k.publicKeyPem,
    fingerprint: k.fingerprint,
    validFrom: k.validFrom.toISOString(),
    validUntil: k.validUntil ? k.validUntil.toISOString() : null,
    active: k.validUntil === null,
  };
}

/**
 * Each vendor's Ed25519 evidence-signing keys. The private key is stored only as an envelope
 * (SecretBox); rotation retires the active key and makes a new one, and every retired public key
 * stays listed so that bundles it signed still verify.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit {
  private readonly logger = new Logger(SigningKeysService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly secrets: SecretBox,
  ) {}

  /** A new active key for the vendor, in the caller's transaction (the vendor's first, or a rotation's). */
  async issue(em: EntityManager, vendorId: string, validFrom?: Date | string, pair = generateKeyPairSync('ed25519')): Promise<SigningKeyView> {
    const publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const fingerprint = publicKeyFingerprint(pair.publicKey);
    const envelope = await this.secrets.seal(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), envelopeContext(vendorId, fingerprint));
    const [row] = await em.query(
      `INSERT INTO vendor_signing_keys (vendor_id, public_key_pem, fingerprint, private_key_envelope, valid_from)
       VALUES ($1, $2, $3, $4::jsonb, coalesce($5::timestamptz, now())) RETURNING id`,
      [vendorId, publicKeyPem, fingerprint, JSON.stringify(envelope), validFrom ?? null],
    );
    return toView(await em.findOneByOrFail(VendorSigningKey, { vendorId, id: row.id }));
  }

  /** Retires the active key and makes a new one. Bundles already signed keep verifying with the old public key. */
  rotate(vendorId: string): Promise<SigningKeyView> {
    return this.db.transaction(async (em) => {
      // One rotation at a time per vendor: the partial unique index allows one active key.
      await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('vendor_signing_keys:' || $1, 0))`, [vendorId]);
      // The time after the lock, not the transaction's start: a rotation that waited for another
      // would otherwise retire the key that one made before it existed (valid_until < valid_from).
      const [{ at }] = await em.query(`SELECT clock_timestamp()::text AS at`);
      await em.query(`UPDATE vendor_signing_keys SET valid_until = $2::timestamptz WHERE vendor_id = $1 AND valid_until IS NULL`, [vendorId, at]);
      return this.issue(em, vendorId, at);
    });
  }

  async list(vendorId: string): Promise<SigningKeyView[]> {
    const rows = await this.db.getRepository(VendorSigningKey).find({ where: { vendorId }, order: { validFrom: 'DESC', id: 'DESC' } });
    return rows.map(toView);
  }

  async active(vendorId: string): Promise<SigningKeyView> {
    const row = await this.db.getRepository(VendorSigningKey).findOneBy({ vendorId, validUntil: IsNull() });
    if (!row) throw new Error(`vendor ${vendorId} has no active signing key`);
    return toView(row);
  }

  /** Opens the active private key for one signing job. */
  async signer(vendorId: string): Promise<VendorSigner> {
    const [row] = await this.db.query(
      `SELECT id, fingerprint, public_key_pem, private_key_envelope FROM vendor_signing_keys WHERE vendor_id = $1 AND valid_until IS NULL`,
      [vendorId],
    );
    if (!row) throw new Error(`vendor ${vendorId} has no active signing key`);
    const key: KeyObject = createPrivateKey(await this.secrets.openText(row.private_key_envelope as SecretEnvelope, envelopeContext(vendorId, row.fingerprint)));
    return { keyId: row.id, fingerprint: row.fingerprint, publicKeyPem: row.public_key_pem, sign: (data) => sign(null, data, key) };
  }

  onModuleInit(): Promise<void> {
    return this.encryptLegacyKeys().then(() => undefined);
  }

  /**
   * One-time step for databases from before encryption at rest: each vendor's plaintext key pair
   * (vendors.signing_*) becomes its first vendor_signing_keys row, encrypted, and the plaintext
   * columns are nulled, in one transaction per vendor. Runs on every start; finds nothing after the first.
   */
  async encryptLegacyKeys(): Promise<number> {
    const legacy: Array<{ id: string }> = await this.db.query(`SELECT id FROM vendors WHERE signing_private_key IS NOT NULL ORDER BY id`);
    for (const { id } of legacy) {
      await this.db.transaction(async (em) => {
        const [v] = await em.query(
          `SELECT signing_public_key, signing_private_key, created_at FROM vendors WHERE id = $1 AND signing_private_key IS NOT NULL FOR UPDATE`,
          [id],
        );
        if (!v) return; // another instance did it
        const privateKey = createPrivateKey(v.signing_private_key);
        await this.issue(em, id, v.created_at, { publicKey: createPublicKey(privateKey), privateKey });
        await em.query(`UPDATE vendors SET signing_public_key = NULL, signing_private_key = NULL WHERE id = $1`, [id]);
      });
    }
    if (legacy.length) this.logger.log(`encrypted the signing keys of ${legacy.length} vendor(s) at rest (one-time upgrade)`);
    return legacy.length;
  }
}
