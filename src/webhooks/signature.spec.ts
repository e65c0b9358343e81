import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signWebhook, verifyWebhook, webhookKey } from './signature';

describe('webhook signatures (Standard Webhooks)', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"id":"evt_1","type":"invoice.paid"}';

  it('signs id.timestamp.body with HMAC-SHA256 keyed by the base64-decoded secret, as base64 after v1,', () => {
    const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');
    const expected = createHmac('sha256', key).update(`evt_1.1764000000.${body}`).digest('base64');
    expect(signWebhook([secret], 'evt_1', '1764000000', body)).toBe(`v1,${expected}`);
  });

  it('matches the spec library’s own signature, and the library verifies ours', () => {
    const now = Math.floor(Date.now() / 1000);
    const lib = new Webhook(secret);
    expect(signWebhook([secret], 'msg_p5jXN8AQM9LWM0D4loKWxJek', String(now), body)).toBe(lib.sign('msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(now * 1000), body));
    const fresh = newWebhookSecret();
    expect(fresh).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const headers = { 'webhook-id': 'evt_2', 'webhook-timestamp': String(now), 'webhook-signature': signWebhook(['whsec_b2xk', fresh], 'evt_2', String(now), body) };
    expect(new Webhook(fresh).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('keeps signing legacy base64url secrets with their decoded bytes', () => {
    expect(webhookKey('whsec_-_8').equals(Buffer.from([0xfb, 0xff]))).toBe(true);
  });

  it('accepts a fresh, matching signature among several and refuses a changed body, another secret or a stale timestamp', () => {
    const signature = signWebhook([secret], 'evt_1', '1764000000', body);
    const headers = { id: 'evt_1', timestamp: '1764000000', signature };
    expect(verifyWebhook(secret, headers, body, 1764000100)).toBe(true);
    expect(verifyWebhook(secret, headers, body.replace('paid', 'void'), 1764000100)).toBe(false);
    expect(verifyWebhook('whsec_b3RoZXI=', headers, body, 1764000100)).toBe(false);
    expect(verifyWebhook(secret, headers, body, 1764000000 + 301)).toBe(false);
    expect(verifyWebhook(secret, { ...headers, signature: `v1,b2xk ${signature}` }, body, 1764000000)).toBe(true);
  });
});
