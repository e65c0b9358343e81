import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { notFound } from '../common/errors/common.errors';
import { Customer } from '../parties/entities/customer.entity';
import { Contract } from '../contracts/entities/contract.entity';
import { newApiKeySecret } from './api-key-secret';
import { AuthError, AuthErrorCode } from './auth.errors';
import { ApiKeyView, CreateApiKeyDto, IssuedApiKeyView } from './dto/api-key.dto';
import { ApiKey } from './entities/api-key.entity';
import { CommonError, CommonErrorCode } from '../common/errors/common.errors';

export function toApiKeyView(k: ApiKey): ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    customerId: k.customerId,
    contractIds: k.contractIds,
    prefix: k.prefix,
    createdAt: k.createdAt.toISOString(),
    revokedAt: k.revokedAt?.toISOString() ?? null,
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  };
}

@Injectable()
export class ApiKeysService {
  constructor(@InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>) {}

  /** Issues a key; the secret is returned once and only its hash is stored. */
  async issue(vendorId: string, dto: CreateApiKeyDto, manager?: EntityManager): Promise<IssuedApiKeyView> {
    const em = manager ?? this.keys.manager;
    if (dto.role === 'customer') {
      if (!dto.customerId) throw AuthError.create(AuthErrorCode.CUSTOMER_REQUIRED, 'customerId is required for a customer key', [
        { field: 'customerId', message: 'required for role customer' },
      ]);
      const customer = await em.findOneBy(Customer, { vendorId, id: dto.customerId });
      if (!customer) throw notFound('customer', dto.customerId);
    } else if (dto.customerId) {
      throw CommonError.create(CommonErrorCode.VALIDATION_FAILED, 'customerId is only for customer keys', [
        { field: 'customerId', message: 'only allowed for role customer' },
      ]);
    }
    if (dto.contractIds && dto.role !== 'auditor')
      throw CommonError.create(CommonErrorCode.VALIDATION_FAILED, 'contractIds is only for auditor keys', [
        { field: 'contractIds', message: 'only allowed for role auditor' },
      ]);
    if (dto.contractIds?.length) {
      const found = await em
        .createQueryBuilder(Contract, 'c')
        .where('c.vendor_id = :vendorId AND c.id = ANY(:ids)', { vendorId, ids: dto.contractIds })
        .getCount();
      if (found !== dto.contractIds.length) throw notFound('contract');
    }
    const { secret, prefix, sha256 } = newApiKeySecret(dto.role);
    const saved = await em.save(
      em.create(ApiKey, {
        vendorId,
        name: dto.name,
        role: dto.role,
        customerId: dto.customerId ?? null,
        contractIds: dto.contractIds ?? null,
        prefix,
        keySha256: sha256,
      }),
    );
    const reloaded = await em.findOneByOrFail(ApiKey, { vendorId, id: saved.id });
    return { ...toApiKeyView(reloaded), secret };
  }

  async list(vendorId: string): Promise<ApiKeyView[]> {
    const rows = await this.keys.find({ where: { vendorId }, order: { id: 'ASC' } });
    return rows.map(toApiKeyView);
  }

  async revoke(vendorId: string, id: string): Promise<ApiKeyView> {
    await this.keys.update({ vendorId, id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    const key = await this.keys.findOneBy({ vendorId, id });
    if (!key) throw notFound('API key', id);
    return toApiKeyView(key);
  }
}
