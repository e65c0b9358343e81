import { Injectable } from '@nestjs/common';
import { vendorScope } from '../auth/scope';
import { notFound } from '../common/errors/common.errors';
import { CreateVerifierDto, VerifierView } from './dto/verifier.dto';
import { PartyError, PartyErrorCode } from './parties.errors';
import { VerifierRow, VerifiersRepository } from './verifiers.repository';

export function toVerifierView(v: VerifierRow): VerifierView {
  return { id: v.id, key: v.key, name: v.name, createdAt: v.created_at.toISOString() };
}

/** Independent verifiers: parties of the vendor that decide outcomes the terms assign to them. */
@Injectable()
export class VerifiersService {
  constructor(private readonly repo: VerifiersRepository) {}

  async create(vendorId: string, dto: CreateVerifierDto): Promise<VerifierView> {
    const row = await this.repo.insert(vendorScope(vendorId), dto);
    if (!row)
      throw PartyError.create(PartyErrorCode.VERIFIER_KEY_TAKEN, `another verifier already has the key "${dto.key}"`, [
        { field: 'key', message: 'already taken' },
      ]);
    return toVerifierView(row);
  }

  async list(vendorId: string): Promise<VerifierView[]> {
    return (await this.repo.list(vendorScope(vendorId))).map(toVerifierView);
  }

  async get(vendorId: string, id: string): Promise<VerifierView> {
    const row = await this.repo.findOne(vendorScope(vendorId), id);
    if (!row) throw notFound('verifier', id);
    return toVerifierView(row);
  }
}
