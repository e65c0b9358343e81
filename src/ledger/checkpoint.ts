// Signed checkpoints of a vendor's chain head, as plain functions: no Nest, no TypeORM. The service
// signs and checks them; the offline verifier checks the one a bundle carries and any one a customer
// or auditor kept. A checkpoint is the vendor's signed statement "at signedAt my chain's entry number
// `sequence` had hash `hash`". Anyone holding one can later prove that the current chain still
// contains that entry unchanged — a rewrite of history, even with recomputed hashes and a moved head,
// changes the hash at that sequence, and re-signing needs the vendor's private key, which the
// database does not hold in clear.
import { createPublicKey, verify } from 'node:crypto';
import { canonicalJson } from '../kernel/canonical-json';
import { publicKeyFingerprint } from '../kernel/key-fingerprint';

export const CHECKPOINT_FORMAT = 'outcome-ledger-checkpoint/1';

export interface LedgerCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  vendorId: string;
  /** The entry's sequence, a bigint as a string ("0" with GENESIS_HASH before the first entry). */
  sequence: string;
  hash: string;
  /** UTC with milliseconds. */
  signedAt: string;
  /** The vendor signing key that signed it (GET /v1/vendor/signing-keys). */
  keyId: string;
  publicKeyFingerprint: string;
  algorithm: 'Ed25519';
  /** Base64 Ed25519 signature over checkpointPayload(). */
  signature: string;
}

/** The exact bytes that are signed: every field but the signature, canonical JSON. */
export function checkpointPayload(c: Omit<LedgerCheckpoint, 'signature'>): Buffer {
  return Buffer.from(
    canonicalJson({
      format: c.format,
      vendorId: c.vendorId,
      sequence: c.sequence,
      hash: c.hash,
      signedAt: c.signedAt,
      keyId: c.keyId,
      publicKeyFingerprint: c.publicKeyFingerprint,
      algorithm: c.algorithm,
    }),
    'utf8',
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX64 = /^[0-9a-f]{64}$/;

/** A checkpoint as received (a kept JSON file, a request body): its shape checked, or the first problem named. */
export function parseCheckpoint(input: unknown): { checkpoint: LedgerCheckpoint } | { problem: string } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { problem: 'a checkpoint is a JSON object' };
  const c = input as Record<string, unknown>;
  const str = (k: string) => (typeof c[k] === 'string' ? (c[k] as string) : undefined);
  if (c.format !== CHECKPOINT_FORMAT) return { problem: `format must be ${CHECKPOINT_FORMAT}` };
  if (!UUID.test(str('vendorId') ?? '')) return { problem: 'vendorId must be a UUID' };
  if (!/^(0|[1-9]\d{0,18})$/.test(str('sequence') ?? '')) return { problem: 'sequence must be a non-negative integer string' };
  if (!HEX64.test(str('hash') ?? '')) return { problem: 'hash must be 64 lowercase hex digits' };
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(str('signedAt') ?? '')) return { problem: 'signedAt must be a UTC timestamp with milliseconds' };
  if (!UUID.test(str('keyId') ?? '')) return { problem: 'keyId must be a UUID' };
  if (!HEX64.test(str('publicKeyFingerprint') ?? '')) return { problem: 'publicKeyFingerprint must be 64 lowercase hex digits' };
  if (c.algorithm !== 'Ed25519') return { problem: 'algorithm must be Ed25519' };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(str('signature') ?? '')) return { problem: 'signature must be base64' };
  return {
    checkpoint: {
      format: CHECKPOINT_FORMAT,
      vendorId: str('vendorId')!.toLowerCase(),
      sequence: str('sequence')!,
      hash: str('hash')!,
      signedAt: str('signedAt')!,
      keyId: str('keyId')!.toLowerCase(),
      publicKeyFingerprint: str('publicKeyFingerprint')!,
      algorithm: 'Ed25519',
      signature: str('signature')!,
    },
  };
}

/** True when `publicKeyPem` is the key the checkpoint names and its signature over the payload holds. */
export function checkpointSignatureValid(c: LedgerCheckpoint, publicKeyPem: string): boolean {
  try {
    const key = createPublicKey(publicKeyPem);
    if (publicKeyFingerprint(key) !== c.publicKeyFingerprint) return false;
    return verify(null, checkpointPayload(c), key, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}
