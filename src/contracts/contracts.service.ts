import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { principalSeesContract, scopeToPrincipal } from '../auth/contract-scope';
import type { Principal } from '../auth/principal';
import { notFound } from '../common/errors/common.errors';
import { Page, paginate } from '../common/http/pagination';
import { Customer } from '../parties/entities/customer.entity';
import { canonicalJson, sha256Hex } from '../pricing/canonical-json';
import { parseTerms } from '../pricing/terms';
import type { Terms } from '../pricing/types';
import { ContractError, ContractErrorCode } from './contracts.errors';
import {
  ContractListQuery,
  ContractView,
  CreateContractDto,
  CreateTermsVersionDto,
  TerminateContractDto,
  TermsVersionView,
} from './dto/contract.dto';
import { Contract, ContractStatus } from './entities/contract.entity';
import { TermsVersion } from './entities/terms-version.entity';

export function toTermsVersionView(t: TermsVersion): TermsVersionView {
  return {
    id: t.id,
    version: t.version,
    effectiveFrom: t.effectiveFrom,
    terms: t.document,
    sha256: t.documentSha256,
    createdAt: t.createdAt.toISOString(),
  };
}

function toContractView(c: Contract, current: TermsVersion): ContractView {
  return {
    id: c.id,
    customerId: c.customerId,
    name: c.name,
    currency: c.currency,
    timezone: c.timezone,
    taxRate: c.taxRate,
    startsOn: c.startsOn,
    endsOn: c.endsOn,
    billingCycle: c.billingCycle,
    status: c.status,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    currentTerms: toTermsVersionView(current),
  };
}

const TRANSITIONS: Record<ContractStatus, ContractStatus[]> = {
  draft: ['active', 'terminated'],
  active: ['terminated'],
  terminated: [],
};

/** Validates a terms document field by field; errors name `terms.<path>`. */
export function validTermsOrThrow(doc: unknown): Terms {
  const parsed = parseTerms(doc);
  if (!parsed.ok)
    throw ContractError.create(
      ContractErrorCode.TERMS_INVALID,
      parsed.errors.map((e) => `terms.${e.path}: ${e.message}`).join('; '),
      parsed.errors.map((e) => ({ field: `terms.${e.path}`, message: e.message })),
    );
  return parsed.terms;
}

@Injectable()
export class ContractsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(Contract) private readonly contracts: Repository<Contract>,
    @InjectRepository(TermsVersion) private readonly termsVersions: Repository<TermsVersion>,
  ) {}

  async create(vendorId: string, dto: CreateContractDto): Promise<ContractView> {
    const terms = validTermsOrThrow(dto.terms);
    if (dto.endsOn && dto.endsOn < dto.startsOn)
      throw ContractError.create(ContractErrorCode.CONTRACT_DATES_INVALID, 'endsOn is before startsOn', [
        { field: 'endsOn', message: 'must not be before startsOn' },
      ]);
    return this.db.transaction(async (em) => {
      const customer = await em.findOneBy(Customer, { vendorId, id: dto.customerId });
      if (!customer) throw notFound('customer', dto.customerId);
      const contract = await em.save(
        em.create(Contract, {
          vendorId,
          customerId: dto.customerId,
          name: dto.name,
          currency: dto.currency,
          timezone: dto.timezone ?? 'Asia/Shanghai',
          taxRate: dto.taxRate,
          startsOn: dto.startsOn,
          endsOn: dto.endsOn ?? null,
          billingCycle: dto.billingCycle ?? 'monthly',
          status: dto.status ?? 'draft',
        }),
      );
      const version = await this.insertTermsVersion(em, contract, 1, dto.startsOn, terms);
      return toContractView(await em.findOneByOrFail(Contract, { vendorId, id: contract.id }), version);
    });
  }

  /** A contract the caller may see, or 404. */
  async findVisible(p: Principal, id: string, em: EntityManager = this.contracts.manager): Promise<Contract> {
    const c = await em.findOneBy(Contract, { vendorId: p.vendorId, id });
    if (!c || !principalSeesContract(p, c)) throw notFound('contract', id);
    return c;
  }

  async get(p: Principal, id: string): Promise<ContractView> {
    const c = await this.findVisible(p, id);
    return toContractView(c, await this.latestTerms(c));
  }

  async list(p: Principal, q: ContractListQuery): Promise<Page<ContractView>> {
    const qb = this.contracts.createQueryBuilder('c');
    scopeToPrincipal(qb, p, { vendorId: 'c.vendor_id', contractId: 'c.id', customerId: 'c.customer_id' });
    if (q.customerId) qb.andWhere('c.customer_id = :customerId', { customerId: q.customerId });
    if (q.status) qb.andWhere('c.status = :status', { status: q.status });
    const page = await paginate(qb, 'c', q, (c) => c);
    // One query for the latest terms of the whole page.
    const latest = page.data.length
      ? await this.termsVersions
          .createQueryBuilder('t')
          .distinctOn(['t.contract_id'])
          .where('t.vendor_id = :v AND t.contract_id = ANY(:ids)', { v: p.vendorId, ids: page.data.map((c) => c.id) })
          .orderBy('t.contract_id')
          .addOrderBy('t.version', 'DESC')
          .getMany()
      : [];
    const byContract = new Map(latest.map((t) => [t.contractId, t]));
    return { data: page.data.map((c) => toContractView(c, byContract.get(c.id)!)), nextCursor: page.nextCursor };
  }

  async listTerms(p: Principal, id: string): Promise<TermsVersionView[]> {
    const c = await this.findVisible(p, id);
    const rows = await this.termsVersions.find({ where: { vendorId: c.vendorId, contractId: c.id }, order: { version: 'ASC' } });
    return rows.map(toTermsVersionView);
  }

  /** An amendment: a new immutable version taking effect on the first day of a billing period. */
  async addTerms(p: Principal, id: string, dto: CreateTermsVersionDto): Promise<TermsVersionView> {
    const terms = validTermsOrThrow(dto.terms);
    return this.db.transaction(async (em) => {
      // Lock the contract: versions are numbered one at a time.
      const c = await em.findOne(Contract, { where: { vendorId: p.vendorId, id }, lock: { mode: 'pessimistic_write' } });
      if (!c || !principalSeesContract(p, c)) throw notFound('contract', id);
      if (dto.effectiveFrom < c.startsOn || (c.endsOn && dto.effectiveFrom > c.endsOn))
        throw ContractError.create(ContractErrorCode.TERMS_VERSION_OUTSIDE_CONTRACT, undefined, [
          { field: 'effectiveFrom', message: `must be between ${c.startsOn} and ${c.endsOn ?? 'the open end'}` },
        ]);
      const boundary = c.billingCycle === 'annual' ? /-01-01$/ : /-01$/;
      if (dto.effectiveFrom !== c.startsOn && !boundary.test(dto.effectiveFrom))
        throw ContractError.create(ContractErrorCode.TERMS_VERSION_NOT_ON_PERIOD_BOUNDARY, undefined, [
          { field: 'effectiveFrom', message: c.billingCycle === 'annual' ? 'must be a 1 January' : 'must be the first day of a month' },
        ]);
      const taken = await em.findOneBy(TermsVersion, { vendorId: c.vendorId, contractId: c.id, effectiveFrom: dto.effectiveFrom });
      if (taken)
        throw ContractError.create(
          ContractErrorCode.TERMS_VERSION_OVERLAPS,
          `version ${taken.version} already takes effect on ${dto.effectiveFrom}`,
          [{ field: 'effectiveFrom', message: 'another terms version takes effect on this date' }],
        );
      await this.refuseIfInvoiced(em, c, dto.effectiveFrom);
      const last = await em.findOne(TermsVersion, { where: { vendorId: c.vendorId, contractId: c.id }, order: { version: 'DESC' } });
      return toTermsVersionView(await this.insertTermsVersion(em, c, (last?.version ?? 0) + 1, dto.effectiveFrom, terms));
    });
  }

  async transition(p: Principal, id: string, to: ContractStatus, dto?: TerminateContractDto): Promise<ContractView> {
    return this.db.transaction(async (em) => {
      const c = await em.findOne(Contract, { where: { vendorId: p.vendorId, id }, lock: { mode: 'pessimistic_write' } });
      if (!c || !principalSeesContract(p, c)) throw notFound('contract', id);
      if (!TRANSITIONS[c.status].includes(to))
        throw ContractError.create(ContractErrorCode.CONTRACT_TRANSITION_INVALID, `a ${c.status} contract cannot become ${to}`);
      if (dto?.endsOn) {
        if (dto.endsOn < c.startsOn)
          throw ContractError.create(ContractErrorCode.CONTRACT_DATES_INVALID, undefined, [
            { field: 'endsOn', message: 'must not be before startsOn' },
          ]);
        c.endsOn = dto.endsOn;
      }
      c.status = to;
      await em.save(c);
      const saved = await em.findOneByOrFail(Contract, { vendorId: c.vendorId, id: c.id });
      return toContractView(saved, await this.latestTerms(saved, em));
    });
  }

  /** The terms version in force for a period: the latest that takes effect before the period ends. */
  async termsForPeriod(vendorId: string, contractId: string, periodEnd: string, em: EntityManager = this.termsVersions.manager) {
    return em
      .createQueryBuilder(TermsVersion, 't')
      .where('t.vendor_id = :vendorId AND t.contract_id = :contractId AND t.effective_from < :periodEnd', {
        vendorId,
        contractId,
        periodEnd,
      })
      .orderBy('t.effective_from', 'DESC')
      .getOne();
  }

  private latestTerms(c: Contract, em: EntityManager = this.termsVersions.manager): Promise<TermsVersion> {
    return em.findOneOrFail(TermsVersion, { where: { vendorId: c.vendorId, contractId: c.id }, order: { version: 'DESC' } });
  }

  private async insertTermsVersion(em: EntityManager, c: Contract, version: number, effectiveFrom: string, terms: Terms) {
    const saved = await em.save(
      em.create(TermsVersion, {
        vendorId: c.vendorId,
        contractId: c.id,
        version,
        effectiveFrom,
        document: terms,
        documentSha256: sha256Hex(canonicalJson(terms)),
      }),
    );
    return em.findOneByOrFail(TermsVersion, { vendorId: c.vendorId, id: saved.id });
  }

  /** Terms of an invoiced period are frozen: no amendment may take effect inside or before it. */
  private async refuseIfInvoiced(em: EntityManager, c: Contract, effectiveFrom: string): Promise<void> {
    const hasInvoices = await em.query(`SELECT to_regclass('invoices') IS NOT NULL AS present`);
    if (!hasInvoices[0]?.present) return;
    const rows = await em.query(
      `SELECT max(period_end)::text AS last_end FROM invoices
        WHERE vendor_id = $1 AND contract_id = $2 AND status <> 'draft'`,
      [c.vendorId, c.id],
    );
    const lastEnd: string | null = rows[0]?.last_end ?? null;
    if (lastEnd && effectiveFrom < lastEnd)
      throw ContractError.create(
        ContractErrorCode.TERMS_VERSION_IN_INVOICED_PERIOD,
        `periods up to ${lastEnd} are invoiced; an amendment may take effect on ${lastEnd} at the earliest`,
        [{ field: 'effectiveFrom', message: `must be on or after ${lastEnd}` }],
      );
  }
}
