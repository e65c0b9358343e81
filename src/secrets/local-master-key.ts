import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { KeyEncryptionKey } from './key-encryption-key';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A 32-byte master key held by this process; wraps data keys with AES-256-GCM (nonce ‖ ciphertext ‖ tag). */
export class LocalMasterKey implements KeyEncryptionKey {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the secrets master key must be 32 bytes');
    // A one-way name for the key: says which master key wrapped an envelope without revealing it.
    this.keyId = `local:${createHash('sha256').update('outcome-ledger master key id\0').update(key).digest('hex').slice(0, 16)}`;
  }

  async wrap(dataKey: Buffer): Promise<Buffer> {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(this.keyId));
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]);
  }

  async unwrap(wrapped: Buffer, keyId: string): Promise<Buffer> {
    if (keyId !== this.keyId) throw new Error(`secret was wrapped by master key ${keyId}, this process holds ${this.keyId}`);
    if (wrapped.length <= NONCE_BYTES + TAG_BYTES) throw new Error('wrapped data key is too short');
    const decipher = createDecipheriv('aes-256-gcm', this.key, wrapped.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(this.keyId));
    decipher.setAuthTag(wrapped.subarray(wrapped.length - TAG_BYTES));
    return Buffer.concat([decipher.update(wrapped.subarray(NONCE_BYTES, wrapped.length - TAG_BYTES)), decipher.final()]);
  }
}
