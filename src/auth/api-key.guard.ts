import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { hashApiKey } from './api-key-secret';
import { AuthError, AuthErrorCode } from './auth.errors';
import type { Role } from './entities/api-key.entity';
import { IS_PUBLIC, Principal, ROLES_KEY } from './principal';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Resolves the Bearer key to a principal and enforces the route's roles. Global. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw AuthError.create(AuthErrorCode.API_KEY_MISSING);
    const principal = await this.resolve(match[1]);
    if (!principal) throw AuthError.create(AuthErrorCode.API_KEY_INVALID);
    req.principal = principal;

    const isRead = READ_METHODS.has(req.method);
    if (!isRead && principal.role === 'auditor') throw AuthError.create(AuthErrorCode.AUDITOR_READ_ONLY);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    const allowed = roles ?? (isRead ? ['vendor_admin', 'customer', 'auditor'] : ['vendor_admin']);
    if (!allowed.includes(principal.role)) throw AuthError.create(AuthErrorCode.ROLE_FORBIDDEN);
    return true;
  }

  private async resolve(secret: string): Promise<Principal | null> {
    // One round trip: find the live key and stamp last_used_at at most once a minute.
    const rows: Array<{ vendor_id: string; id: string; role: Role; customer_id: string | null; contract_ids: string[] | null }> =
      await this.db.query(
        `WITH k AS (
           SELECT vendor_id, id, role, customer_id, contract_ids, last_used_at FROM api_keys
            WHERE key_sha256 = $1 AND revoked_at IS NULL
         ), touched AS (
           UPDATE api_keys a SET last_used_at = now() FROM k
            WHERE a.vendor_id = k.vendor_id AND a.id = k.id
              AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute')
         )
         SELECT vendor_id, id, role, customer_id, contract_ids FROM k`,
        [hashApiKey(secret)],
      );
    const k = rows[0];
    if (!k) return null;
    return { vendorId: k.vendor_id, keyId: k.id, role: k.role, customerId: k.customer_id, contractIds: k.contract_ids };
  }
}
