import { PrincipalCache } from './principal-cache';
import { Injectable, Optional } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CommonError, CommonErrorCode, notFound } from '../common/errors/common.errors';
import { newApiKeySecret } from './api-key-secret';
import { ApiKeyRow, ApiKeysRepository } from './api-keys.repository';
import { AuthError, AuthErrorCode } from './auth.errors';
import { ApiKeyView, CreateApiKeyDto, IssuedApiKeyView } from './dto/api-key.dto';
import { KeyGrantCheck } from './key-grants';
import { vendorScope } from './scope';

export function toApiKeyView(k: ApiKeyRow): ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    customerId: k.customer_id,
    contractIds: k.contract_ids,
    verifierId: k.verifier_id,
    prefix: k.prefix,
    createdAt: k.created_at.toISOString(),
    revokedAt: k.revoked_at?.toISOString() ?? null,
    lastUsedAt: k.last_used_at?.toISOString() ?? null,
  };
}

/** Keys are managed by the vendor's admin keys and the operator: the vendor is the scope. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly grants: KeyGrantCheck,
    @Optional() private readonly cache?: PrincipalCache,
  ) {}

  /** Issues a key; the secret is returned once and only its hash is stored. */
  async issue(vendorId: string, dto: CreateApiKeyDto, em?: EntityManager): Promise<IssuedApiKeyView> {
    const scope = vendorScope(vendorId);
    if (dto.role === 'customer') {
      if (!dto.customerId) throw AuthError.create(AuthErrorCode.CUSTOMER_REQUIRED, 'customerId is required for a customer key', [
        { field: 'customerId', message: 'required for role customer' },
      ]);
      if (!(await this.grants.customerExists(scope, dto.customerId, em))) throw notFound('customer', dto.customerId);
    } else if (dto.customerId) {
      throw CommonError.create(CommonErrorCode.VALIDATION_FAILED, 'customerId is only for customer keys', [
        { field: 'customerId', message: 'only allowed for role customer' },
      ]);
    }
    if (dto.contractIds && dto.role !== 'auditor')
      throw CommonError.create(CommonErrorCode.VALIDATION_FAILED, 'contractIds is only for auditor keys', [
        { field: 'contractIds', message: 'only allowed for role auditor' },
      ]);
    if (dto.contractIds?.length && !(await this.grants.contractsExist(scope, dto.contractIds, em))) throw notFound('contract');
    if (dto.role === 'verifier') {
      if (!dto.verifierId)
        throw AuthError.create(AuthErrorCode.VERIFIER_REQUIRED, 'verifierId is required for a verifier key', [
          { field: 'verifierId', message: 'required for role verifier' },
        ]);
      if (!(await this.grants.verifierExists(scope, dto.verifierId, em))) throw notFound('verifier', dto.verifierId);
    } else if (dto.verifierId) {
      throw CommonError.create(CommonErrorCode.VALIDATION_FAILED, 'verifierId is only for verifier keys', [
        { field: 'verifierId', message: 'only allowed for role verifier' },
      ]);
    }
    const { secret, prefix, sha256 } = newApiKeySecret(dto.role);
    const row = await this.keys.insert(
      scope,
      { name: dto.name, role: dto.role, customerId: dto.customerId ?? null, contractIds: dto.contractIds ?? null, verifierId: dto.verifierId ?? null, prefix, keySha256: sha256 },
      em,
    );
    return { ...toApiKeyView(row), secret };
  }

  async list(vendorId: string): Promise<ApiKeyView[]> {
    return (await this.keys.list(vendorScope(vendorId))).map(toApiKeyView);
  }

  async revoke(vendorId: string, id: string): Promise<ApiKeyView> {
    const key = await this.keys.revoke(vendorScope(vendorId), id);
    if (!key) throw notFound('API key', id);
    this.cache?.forgetKey(key.id);
    return toApiKeyView(key);
  }
}
