import { createHash, randomBytes } from 'node:crypto';
import type { Role } from './entities/api-key.entity';

const ROLE_TAG: Record<Role, string> = { vendor_admin: 'vnd', customer: 'cus', auditor: 'aud', verifier: 'vfy' };

/** A new random key: shown once, stored only as its SHA-256. */
export function newApiKeySecret(role: Role): { secret: string; prefix: string; sha256: string } {
  const secret = `ol_${ROLE_TAG[role]}_${randomBytes(24).toString('base64url')}`;
  return { secret, prefix: secret.slice(0, 12), sha256: hashApiKey(secret) };
}

// Keys carry 192 random bits, so a fast hash is enough: there is nothing to brute-force.
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
