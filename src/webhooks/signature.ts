// Webhook signatures per the Standard Webhooks spec (standardwebhooks.com). Each request carries
//   webhook-id:        the event id (the same on every retry: receivers de-duplicate on it)
//   webhook-timestamp: unix seconds when this attempt was sent
//   webhook-signature: v1,<base64 HMAC-SHA256(key, `${id}.${timestamp}.${body}`)>, space-separated
//                      when several secrets are valid (during a rotation's overlap window)
// The secret reads `whsec_<base64 key>`; the HMAC key is the decoded bytes, as the spec's libraries do.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'whsec_';

/** A new endpoint secret: 32 random bytes, in the spec's `whsec_<base64>` form. */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/**
 * The HMAC key of a secret. Node's base64 decoder also reads the base64url alphabet, so secrets
 * issued before conformance (`whsec_<base64url>`) keep signing with their decoded bytes; receivers
 * on a standard library should rotate those (their `-`/`_` are not standard base64).
 */
export function webhookKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/** One `v1,<base64>` signature per secret, space-separated (the spec's multi-signature form). */
export function signWebhook(secrets: string[], id: string, timestamp: string, body: string): string {
  return secrets.map((s) => `v1,${createHmac('sha256', webhookKey(s)).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64')}`).join(' ');
}

/**
 * The receiver's check: one of the signatures matches and the timestamp is within
 * `toleranceSeconds` of `nowSeconds` (replay protection).
 */
export function verifyWebhook(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (!/^\d{1,12}$/.test(headers.timestamp)) return false;
  if (Math.abs(nowSeconds - Number(headers.timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook([secret], headers.id, headers.timestamp, body));
  return headers.signature.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
