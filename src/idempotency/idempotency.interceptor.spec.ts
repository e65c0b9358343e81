import { Reflector } from '@nestjs/core';
import { ApiKeysController } from '../auth/api-keys.controller';
import { WebhooksController } from '../webhooks/webhooks.controller';
import { carriesSecret } from './idempotency.interceptor';
import { RETURNS_SECRET } from '../common/http/returns-secret.decorator';

describe('answers that carry a secret', () => {
  it('are declared on API-key issuance and webhook endpoint creation', () => {
    const reflector = new Reflector();
    expect(reflector.get(RETURNS_SECRET, ApiKeysController.prototype.issue)).toBe(true);
    expect(reflector.get(RETURNS_SECRET, WebhooksController.prototype.create)).toBe(true);
    expect(reflector.get(RETURNS_SECRET, ApiKeysController.prototype.list)).toBeUndefined();
  });

  it('are recognised by a top-level secret field even on an undeclared route', () => {
    expect(carriesSecret({ id: 'k1', secret: 'olk_live_x' })).toBe(true);
    expect(carriesSecret({ id: 'k1', secretPrefix: 'olk_' })).toBe(false);
    expect(carriesSecret([{ secret: 'x' }])).toBe(false);
    expect(carriesSecret(null)).toBe(false);
  });
});
