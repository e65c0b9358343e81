// Webhook signatures, Standard-Webhooks style. Each request carries
//   Webhook-Id:        the event id (the same on every retry: receivers de-duplicate on it)
//   Webhook-Timestamp: unix seconds when this attempt was sent
//   Webhook-Signature: v1=<hex HMAC-SHA256(secret, `${id}.${timestamp}.${body}`)>
// The HMAC key is the endpoint's secret exactly as shown at registration (its UTF-8 bytes, `whsec_` included).
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signWebhook(secret: string, id: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * The receiver's check: the signature matches and the timestamp is within `toleranceSeconds` of
 * `nowSeconds` (replay protection). Several space-separated signatures are accepted (secret rotation).
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
  const expected = Buffer.from(signWebhook(secret, headers.id, headers.timestamp, body));
  return headers.signature.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
