import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhook } from './signature';

describe('webhook signatures', () => {
  const secret = 'whsec_test_secret';
  const body = '{"id":"evt_1","type":"invoice.paid"}';

  it('signs id.timestamp.body with HMAC-SHA256 of the endpoint secret, as hex after v1=', () => {
    const expected = createHmac('sha256', secret).update(`evt_1.1764000000.${body}`).digest('hex');
    expect(signWebhook(secret, 'evt_1', '1764000000', body)).toBe(`v1=${expected}`);
  });

  it('accepts a fresh, matching signature and refuses a changed body, another secret or a stale timestamp', () => {
    const signature = signWebhook(secret, 'evt_1', '1764000000', body);
    const headers = { id: 'evt_1', timestamp: '1764000000', signature };
    expect(verifyWebhook(secret, headers, body, 1764000100)).toBe(true);
    expect(verifyWebhook(secret, headers, body.replace('paid', 'void'), 1764000100)).toBe(false);
    expect(verifyWebhook('whsec_other', headers, body, 1764000100)).toBe(false);
    expect(verifyWebhook(secret, headers, body, 1764000000 + 301)).toBe(false);
    expect(verifyWebhook(secret, { ...headers, signature: `v1=old ${signature}` }, body, 1764000000)).toBe(true);
  });
});
