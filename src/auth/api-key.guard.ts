import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../common/config/app-config';
import { CommonError, CommonErrorCode } from '../common/errors/common.errors';
import { AuthFailureLimiter } from '../common/http/auth-failure-limiter';
import { hashApiKey } from './api-key-secret';
import { AuthError, AuthErrorCode } from './auth.errors';
import type { Role } from './entities/api-key.entity';
import { IS_PUBLIC, Principal, ROLES_KEY } from './principal';
import { PrincipalCache } from './principal-cache';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Exactly `Bearer <b64token>` (RFC 6750 §2.1), one space, the scheme spelled as RFC 6750 writes it.
 * RFC 9110 §11.1 lets a server compare schemes case-insensitively; we accept only the canonical
 * spelling, which every client library sends, so one key has one spelling and a typo is a clear
 * 401 rather than a second way in.
 */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/;

/** Resolves the Bearer key to a principal and enforces the route's roles. Global. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  /** Per client address; checked before the key lookup so an address over its limit costs no query. */
  private readonly failures: AuthFailureLimiter;

  constructor(
    private readonly reflector: Reflector,
    @InjectDataSource() private readonly db: DataSource,
    config: ConfigService<AppConfig, true>,
    private readonly cache: PrincipalCache,
  ) {
    this.failures = new AuthFailureLimiter(config.get('AUTH_FAILURE_LIMIT_PER_MINUTE', { infer: true }));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const address = req.ip ?? 'unknown';
    const wait = this.failures.retryAfterSeconds(address);
    if (wait > 0) {
      context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(wait));
      throw CommonError.create(CommonErrorCode.AUTH_RATE_LIMITED, `Too many failed authentications: retry in ${wait} s`);
    }
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (!match) {
      this.failures.recordFailure(address);
      throw AuthError.create(
        AuthErrorCode.API_KEY_MISSING,
        header === undefined ? undefined : 'The Authorization header must be exactly "Bearer <key>"',
      );
    }
    const principal = await this.resolve(match[1]);
    if (!principal) {
      this.failures.recordFailure(address);
      throw AuthError.create(AuthErrorCode.API_KEY_INVALID);
    }
    req.principal = principal;

    const isRead = READ_METHODS.has(req.method);
    if (!isRead && principal.role === 'auditor') throw AuthError.create(AuthErrorCode.AUDITOR_READ_ONLY);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    const allowed = roles ?? (isRead ? ['vendor_admin', 'customer', 'auditor'] : ['vendor_admin']);
    if (!allowed.includes(principal.role)) throw AuthError.create(AuthErrorCode.ROLE_FORBIDDEN);
    return true;
  }

  private async resolve(secret: string): Promise<Principal | null> {
    const hash = hashApiKey(secret);
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const principal = await this.lookUp(hash);
    if (principal) this.cache.set(hash, principal);
    return principal;
  }

  private async lookUp(hash: string): Promise<Principal | null> {
    // One round trip: find the live key and stamp last_used_at at most once a minute.
    const rows: Array<{ vendor_id: string; id: string; role: Role; customer_id: string | null; contract_ids: string[] | null; verifier_id: string | null }> =
      await this.db.query(
        `WITH k AS (
           SELECT vendor_id, id, role, customer_id, contract_ids, verifier_id, last_used_at FROM api_keys
            WHERE key_sha256 = $1 AND revoked_at IS NULL
         ), touched AS (
           UPDATE api_keys a SET last_used_at = now() FROM k
            WHERE a.vendor_id = k.vendor_id AND a.id = k.id
              AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute')
         )
         SELECT vendor_id, id, role, customer_id, contract_ids, verifier_id FROM k`,
        [hash],
      );
    const k = rows[0];
    if (!k) return null;
    return { vendorId: k.vendor_id, keyId: k.id, role: k.role, customerId: k.customer_id, contractIds: k.contract_ids, verifierId: k.verifier_id };
  }
}
