import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

/**
 * Rate limit per API key id, after authentication (the global ApiKeyGuard runs first and sets
 * `req.principal`): however the header is spelled, one key is one bucket. Public routes are
 * limited per client address. Failed authentications are limited separately, per address, in
 * the ApiKeyGuard.
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, any>): Promise<string> {
    const keyId: unknown = req.principal?.keyId;
    return typeof keyId === 'string' ? `key:${keyId}` : `ip:${req.ip ?? 'unknown'}`;
  }
}
