import { Inject, Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KEY_ENCRYPTION_KEY, type KeyEncryptionKey } from './key-encryption-key';

/**
 * A secret at rest (a jsonb column): its own random data key (DEK) encrypted it with AES-256-GCM,
 * and the KEK named by `kek` wrapped the DEK. `aad` is not stored: the caller names what the
 * secret belongs to, so an envelope copied onto another row does not open there.
 */
export interface SecretEnvelope {
  v: 1;
  alg: 'A256GCM';
  kek: string;
  dek: string;
  nonce: string;
  ct: string;
  tag: string;
}

const b64 = (b: Buffer) => b.toString('base64');

@Injectable()
export class SecretBox {
  constructor(@Inject(KEY_ENCRYPTION_KEY) private readonly kek: KeyEncryptionKey) {}

  async seal(plaintext: string | Buffer, context: string): Promise<SecretEnvelope> {
    const dek = randomBytes(32);
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', dek, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), cipher.final()]);
    const envelope: SecretEnvelope = { v: 1, alg: 'A256GCM', kek: this.kek.keyId, dek: b64(await this.kek.wrap(dek)), nonce: b64(nonce), ct: b64(ct), tag: b64(cipher.getAuthTag()) };
    dek.fill(0);
    return envelope;
  }

  async open(envelope: SecretEnvelope, context: string): Promise<Buffer> {
    if (envelope?.v !== 1 || envelope.alg !== 'A256GCM') throw new Error(`unsupported secret envelope version ${envelope?.v}/${envelope?.alg}`);
    const dek = await this.kek.unwrap(Buffer.from(envelope.dek, 'base64'), envelope.kek);
    try {
      const decipher = createDecipheriv('aes-256-gcm', dek, Buffer.from(envelope.nonce, 'base64'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(envelope.ct, 'base64')), decipher.final()]);
    } finally {
      dek.fill(0);
    }
  }

  async openText(envelope: SecretEnvelope, context: string): Promise<string> {
    return (await this.open(envelope, context)).toString('utf8');
  }
}
