import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { PUBLIC_EXTENSION } from '../common/openapi/public';
import type { Role } from './entities/api-key.entity';

/** Who is calling: resolved from the API key on every request. */
export interface Principal {
  vendorId: string;
  keyId: string;
  role: Role;
  /** Set for customer keys: the only customer whose data the key sees. */
  customerId: string | null;
  /** Set for auditor keys granted to listed contracts only. */
  contractIds: string[] | null;
  /** Set for verifier keys: the independent verifier (a party of the vendor) the key decides for. */
  verifierId?: string | null;
}

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest().principal;
});

export const IS_PUBLIC = 'ol:public';
/** No API key needed (health, OpenAPI); the document says so with `security: []`. */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension(PUBLIC_EXTENSION, true));

export const ROLES_KEY = 'ol:roles';
/**
 * The roles allowed on a route. Without it: reads (GET/HEAD) are open to every role of the
 * vendor, and writes to `vendor_admin` only. Auditors never write.
 */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
