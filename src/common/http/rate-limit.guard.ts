import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { createHash } from 'node:crypto';

/** Rate limit per API key (per client address when there is none). */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, any>): Promise<string> {
    const auth = req.headers?.authorization;
    return typeof auth === 'string' ? createHash('sha256').update(auth).digest('hex') : (req.ip ?? 'unknown');
  }
}
