import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { scopeOf } from '../auth/scope';
import { notFound } from '../common/errors/common.errors';
import { ContractError, ContractErrorCode } from './contracts.errors';
import { ContractsRepository } from './contracts.repository';
import type { CreateValueBasisDto, ValueBasisVersionView } from './dto/value-basis.dto';
import { basisItemErrors, basisItemOf, undeclaredTypeErrors, type ValueBasisItem } from './value-basis';
import { ValueBasisRepository, type ValueBasisVersionRecord } from './value-basis.repository';

function toView(r: ValueBasisVersionRecord): ValueBasisVersionView {
  return {
    id: r.id,
    contractId: r.contract_id,
    effectiveFrom: r.effective_from,
    description: r.description,
    items: r.items.map((i) => ({ outcomeType: i.outcomeType, method: i.method, unitValue: i.unitValue ?? null, baseline: i.baseline ?? null, estimated: i.estimated, description: i.description })),
    createdAt: r.created_at,
  };
}

/** Value basis versions: declared per contract beside its terms, append-only, checked against the terms in force. */
@Injectable()
export class ValueBasisService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly contracts: ContractsRepository,
    private readonly repo: ValueBasisRepository,
  ) {}

  async list(p: Principal, contractId: string): Promise<ValueBasisVersionView[]> {
    const scope = scopeOf(p);
    if (!(await this.contracts.find(scope, contractId))) throw notFound('contract', contractId);
    return (await this.repo.versions(scope, [contractId])).map(toView);
  }

  async add(p: Principal, contractId: string, dto: CreateValueBasisDto): Promise<ValueBasisVersionView> {
    const scope = scopeOf(p);
    const structural = basisItemErrors(dto.items);
    if (structural.length) throw ContractError.create(ContractErrorCode.VALUE_BASIS_INVALID, structural[0].message, structural);
    return this.db.transaction(async (em) => {
      // Lock the contract: one version per date, decided one request at a time.
      const c = await this.contracts.find(scope, contractId, { lock: true }, em);
      if (!c) throw notFound('contract', contractId);
      const firstMonth = c.startsOn.slice(0, 7);
      if (dto.effectiveFrom.slice(0, 7) < firstMonth || (c.endsOn && dto.effectiveFrom > c.endsOn))
        throw ContractError.create(ContractErrorCode.VALUE_BASIS_OUTSIDE_CONTRACT, undefined, [
          { field: 'effectiveFrom', message: `must be between ${c.startsOn} and ${c.endsOn ?? 'the open end'}` },
        ]);
      // Reports are monthly: a version counts from the first day of a month (or the contract's first day).
      if (dto.effectiveFrom !== c.startsOn && !dto.effectiveFrom.endsWith('-01'))
        throw ContractError.create(ContractErrorCode.VALUE_BASIS_INVALID, 'a value basis takes effect on the first day of a month', [
          { field: 'effectiveFrom', message: 'must be the first day of a month' },
        ]);
      const terms = await this.contracts.termsInForce(scope, c.id, dto.effectiveFrom < c.startsOn ? c.startsOn : dto.effectiveFrom, em);
      const undeclared = terms ? undeclaredTypeErrors(dto.items, terms.document) : dto.items.map((_, i) => ({ field: `items[${i}].outcomeType`, message: 'no terms in force' }));
      if (undeclared.length) throw ContractError.create(ContractErrorCode.VALUE_BASIS_OUTCOME_TYPE_UNDECLARED, undeclared.map((e) => e.message).join('; '), undeclared);
      const taken = (await this.repo.versions(scope, [c.id], em)).find((v) => v.effective_from === dto.effectiveFrom);
      if (taken)
        throw ContractError.create(ContractErrorCode.VALUE_BASIS_VERSION_EXISTS, `version ${taken.id} takes effect on ${dto.effectiveFrom}`, [
          { field: 'effectiveFrom', message: 'another value basis version takes effect on this date: declare a new version on a later month' },
        ]);
      const items: ValueBasisItem[] = dto.items.map(basisItemOf);
      return toView(await this.repo.insert(scope, { contractId: c.id, effectiveFrom: dto.effectiveFrom, description: dto.description ?? null, items, keyId: p.keyId }, em));
    });
  }
}
