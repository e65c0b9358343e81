import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

/** SHA-256 of a public key's SPKI DER, hex: what a customer or auditor keeps to recognise the key. */
export function publicKeyFingerprint(key: string | KeyObject): string {
  const k = typeof key === 'string' ? createPublicKey(key) : key;
  return createHash('sha256').update(k.export({ type: 'spki', format: 'der' })).digest('hex');
}
