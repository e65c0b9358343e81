import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { Scope, scopeOf, vendorScope } from '../auth/scope';
import { notFound } from '../common/errors/common.errors';
import { decodeCursor, encodeCursor, Page } from '../common/http/pagination';
import { pageOf, Queryable } from '../common/sql';
import { PartyNamesReads } from '../parties/documents.reads';
import { VerifiersRepository } from '../parties/verifiers.repository';
import type { FieldError } from '../common/errors/domain-exception';
import { canonicalJson, sha256Hex } from '../kernel/canonical-json';
import { nextMonthStart, periodStartOf, yearPeriod } from '../kernel/calendar';
import { parseTerms } from '../pricing/terms';
import { versionInForce } from '../pricing/terms-in-force';
import type { Terms } from '../pricing/types';
import { ContractError, ContractErrorCode } from './contracts.errors';
import {
  ContractListQuery,
  ContractView,
  CreateContractDto,
  CreateTermsVersionDto,
  TerminateContractDto,
  TermsVersionView,
  UpdateContractBillingDto,
} from './dto/contract.dto';
import { ContractsRepository } from './contracts.repository';
import type { BillingCycle, Contract, ContractStatus } from './entities/contract.entity';
import type { TermsVersion } from './entities/terms-version.entity';
import { TERMS_USAGE, type TermsUsage } from './terms-usage.port';

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
    poReference: c.poReference,
    paymentTermsDays: c.paymentTermsDays,
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
export function validTermsOrThrow(doc: unknown, more: FieldError[] = []): Terms {
  const parsed = parseTerms(doc);
  const errors = [...(parsed.ok ? [] : parsed.errors.map((e) => ({ field: `terms.${e.path}`, message: e.message }))), ...more];
  if (errors.length > 0)
    throw ContractError.create(
      ContractErrorCode.TERMS_INVALID,
      errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      errors,
    );
  return (parsed as { terms: Terms }).terms;
}

/**
 * A third-party `verifier` shaped like a verifier's key or id (lower-case letters, digits, `.`,
 * `_`, `-`): it must name a verifier the vendor registered, or a typo would quietly leave the
 * decision to the customer. Free names ("Plant QA", terms written before verifiers existed) stay
 * valid and are decided by the customer (src/outcomes/README.md, "Who verifies").
 */
const VERIFIER_REF = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** The verifier references of a (not yet validated) terms document, with their field paths. */
export function verifierRefs(doc: unknown): Array<{ field: string; ref: string }> {
  const out: Array<{ field: string; ref: string }> = [];
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const take = (o: unknown, field: string) => {
    if (isObj(o) && o.verification === 'third_party' && typeof o.verifier === 'string' && VERIFIER_REF.test(o.verifier))
      out.push({ field: `${field}.verifier`, ref: o.verifier });
  };
  if (!isObj(doc)) return out;
  if (Array.isArray(doc.components)) doc.components.forEach((c, i) => take(c, `terms.components[${i}]`));
  if (isObj(doc.outcomeTypes)) for (const name of Object.keys(doc.outcomeTypes).sort()) take(doc.outcomeTypes[name], `terms.outcomeTypes.${name}`);
  return out;
}

@Injectable()
export class ContractsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: ContractsRepository,
    private readonly parties: PartyNamesReads,
    private readonly verifiers: VerifiersRepository,
    /** Absent in an application without invoicing: then nothing is invoiced. */
    @Optional() @Inject(TERMS_USAGE) private readonly usage: TermsUsage | null,
  ) {}

  /**
   * New terms (a contract, an amendment, a simulation): valid field by field, and every verifier
   * they name by key or id registered with the vendor — one 422 naming every wrong field.
   */
  async checkedTerms(vendorId: string, doc: unknown): Promise<Terms> {
    const refs = verifierRefs(doc);
    const known = new Set<string>();
    if (refs.length > 0)
      for (const v of await this.verifiers.findByKeysOrIds(vendorScope(vendorId), refs.map((r) => r.ref))) known.add(v.key).add(v.id);
    const unknown = refs
      .filter((r) => !known.has(r.ref))
      .map((r) => ({ field: r.field, message: `no verifier with key or id "${r.ref}" is registered (POST /v1/verifiers)` }));
    return validTermsOrThrow(doc, unknown);
  }

  async create(vendorId: string, dto: CreateContractDto): Promise<ContractView> {
    const terms = await this.checkedTerms(vendorId, dto.terms);
    if (dto.endsOn && dto.endsOn < dto.startsOn)
      throw ContractError.create(ContractErrorCode.CONTRACT_DATES_INVALID, 'endsOn is before startsOn', [
        { field: 'endsOn', message: 'must not be before startsOn' },
      ]);
    const scope = vendorScope(vendorId);
    return this.db.transaction(async (em) => {
      if (!(await this.parties.customerExists(scope, dto.customerId, em))) throw notFound('customer', dto.customerId);
      const contract = await this.repo.insert(
        scope,
        {
          customerId: dto.customerId,
          name: dto.name,
          currency: dto.currency,
          timezone: dto.timezone ?? 'Asia/Shanghai',
          taxRate: dto.taxRate,
          startsOn: dto.startsOn,
          endsOn: dto.endsOn ?? null,
          billingCycle: dto.billingCycle ?? 'monthly',
          status: dto.status ?? 'draft',
          poReference: dto.poReference ?? null,
          paymentTermsDays: dto.paymentTermsDays ?? 30,
        },
        em,
      );
      const version = await this.insertTermsVersion(scope, em, contract, 1, dto.startsOn, terms);
      return toContractView(contract, version);
    });
  }

  /** A contract the caller may see, or 404. */
  async findVisible(p: Principal, id: string, em?: Queryable): Promise<Contract> {
    return this.findInScope(scopeOf(p), id, em);
  }

  /** The same for a scope already built. */
  async findInScope(scope: Scope, id: string, em?: Queryable): Promise<Contract> {
    const c = await this.repo.find(scope, id, {}, em);
    if (!c) throw notFound('contract', id);
    return c;
  }

  async updateBilling(p: Principal, id: string, dto: UpdateContractBillingDto): Promise<ContractView> {
    const scope = scopeOf(p);
    return this.db.transaction(async (em) => {
      await this.findInScope(scope, id, em);
      await this.repo.setBillingTerms(scope, id, dto, em);
      const c = await this.findInScope(scope, id, em);
      return toContractView(c, await this.latestTerms(scope, c, em));
    });
  }

  async get(p: Principal, id: string): Promise<ContractView> {
    const scope = scopeOf(p);
    const c = await this.findInScope(scope, id);
    return toContractView(c, await this.latestTerms(scope, c));
  }

  async list(p: Principal, q: ContractListQuery): Promise<Page<ContractView>> {
    const scope = scopeOf(p);
    const limit = q.limit ?? 50;
    const { rows, more } = pageOf(
      await this.repo.list(scope, { customerId: q.customerId, status: q.status, before: q.cursor ? decodeCursor(q.cursor) : undefined, limit }),
      limit,
    );
    // One query for the latest terms of the whole page.
    const latest = rows.length ? await this.repo.termsVersions(scope, rows.map((c) => c.id), { latestOnly: true }) : [];
    const byContract = new Map(latest.map((t) => [t.contractId, t]));
    return {
      data: rows.map((c) => toContractView(c, byContract.get(c.id)!)),
      nextCursor: more ? encodeCursor(rows[rows.length - 1].id) : null,
    };
  }

  async listTerms(p: Principal, id: string): Promise<TermsVersionView[]> {
    const scope = scopeOf(p);
    const c = await this.findInScope(scope, id);
    return (await this.repo.termsVersions(scope, [c.id])).map(toTermsVersionView);
  }

  /**
   * An amendment: a new immutable version taking effect on any day of the contract not yet invoiced.
   * Inside a billing period it splits the period (src/pricing/amendment.ts).
   */
  async addTerms(p: Principal, id: string, dto: CreateTermsVersionDto): Promise<TermsVersionView> {
    const terms = await this.checkedTerms(p.vendorId, dto.terms);
    const scope = scopeOf(p);
    return this.db.transaction(async (em) => {
      // Lock the contract: versions are numbered one at a time.
      const c = await this.repo.find(scope, id, { lock: true }, em);
      if (!c) throw notFound('contract', id);
      if (dto.effectiveFrom < c.startsOn || (c.endsOn && dto.effectiveFrom > c.endsOn))
        throw ContractError.create(ContractErrorCode.TERMS_VERSION_OUTSIDE_CONTRACT, undefined, [
          { field: 'effectiveFrom', message: `must be between ${c.startsOn} and ${c.endsOn ?? 'the open end'}` },
        ]);
      const taken = await this.repo.termsVersionEffectiveOn(scope, c.id, dto.effectiveFrom, em);
      if (taken)
        throw ContractError.create(
          ContractErrorCode.TERMS_VERSION_OVERLAPS,
          `version ${taken.version} already takes effect on ${dto.effectiveFrom}`,
          [{ field: 'effectiveFrom', message: 'another terms version takes effect on this date' }],
        );
      await this.refuseIfInvoiced(scope, em, c, dto.effectiveFrom);
      await this.refuseIfSplittingCases(scope, em, c, dto.effectiveFrom, terms);
      const last = await this.latestTerms(scope, c, em);
      return toTermsVersionView(await this.insertTermsVersion(scope, em, c, last.version + 1, dto.effectiveFrom, terms));
    });
  }

  async transition(p: Principal, id: string, to: ContractStatus, dto?: TerminateContractDto): Promise<ContractView> {
    const scope = scopeOf(p);
    return this.db.transaction(async (em) => {
      const c = await this.repo.find(scope, id, { lock: true }, em);
      if (!c) throw notFound('contract', id);
      if (!TRANSITIONS[c.status].includes(to))
        throw ContractError.create(ContractErrorCode.CONTRACT_TRANSITION_INVALID, `a ${c.status} contract cannot become ${to}`);
      if (dto?.endsOn && dto.endsOn < c.startsOn)
        throw ContractError.create(ContractErrorCode.CONTRACT_DATES_INVALID, undefined, [
          { field: 'endsOn', message: 'must not be before startsOn' },
        ]);
      await this.repo.setStatus(scope, c.id, to, dto?.endsOn ?? c.endsOn, em);
      const saved = (await this.repo.find(scope, c.id, {}, em))!;
      return toContractView(saved, await this.latestTerms(scope, saved, em));
    });
  }

  /** Every contract of the scope (the ids among `ids` when given), in id order. */
  async inScope(scope: Scope, ids: readonly string[] | null, em?: Queryable): Promise<Contract[]> {
    return this.repo.findMany(scope, ids, em);
  }

  /** A customer's contracts in the scope, newest first. */
  async ofCustomer(scope: Scope, customerId: string): Promise<Contract[]> {
    return this.repo.list(scope, { customerId, limit: 1000 });
  }

  /** Every terms version of the contracts, in contract and version order. */
  async termsVersionsOf(scope: Scope, contractIds: readonly string[], em?: Queryable): Promise<TermsVersion[]> {
    return this.repo.termsVersions(scope, contractIds, {}, em);
  }

  /** The ids among `ids` of contracts in the scope. */
  async existingIds(scope: Scope, ids: readonly string[]): Promise<string[]> {
    return this.repo.existing(scope, ids);
  }

  /** Contracts to bill for a period: active ones, and terminated ones whose dates still overlap it. */
  async billable(scope: Scope, q: { billingCycle: BillingCycle; start: string; end: string; ids: readonly string[] | null }): Promise<Contract[]> {
    return this.repo.billable(scope, q);
  }

  /** Contracts a billing run considers, each with why it is not billable (null: billable). */
  async billingCandidates(
    scope: Scope,
    q: { billingCycle: BillingCycle; start: string; end: string; ids: readonly string[] | null },
  ): Promise<Array<{ contract: Contract; skip: string | null }>> {
    return this.repo.billingCandidates(scope, q);
  }


  private async latestTerms(scope: Scope, c: Contract, em?: Queryable): Promise<TermsVersion> {
    const [latest] = await this.repo.termsVersions(scope, [c.id], { latestOnly: true }, em);
    if (!latest) throw new Error(`contract ${c.id} has no terms version`);
    return latest;
  }

  private insertTermsVersion(scope: Scope, em: Queryable, c: Contract, version: number, effectiveFrom: string, terms: Terms) {
    return this.repo.insertTermsVersion(
      scope,
      { contractId: c.id, version, effectiveFrom, document: terms, documentSha256: sha256Hex(canonicalJson(terms)) },
      em,
    );
  }

  /**
   * "Once per case per period" has no meaning across two versions of one period (each version's
   * stretch would count its own cases), so terms that charge once per case change only on a period
   * boundary: refused when the new terms, or any version in force in the period it would split,
   * charge once per case.
   */
  private async refuseIfSplittingCases(scope: Scope, em: Queryable, c: Contract, effectiveFrom: string, terms: Terms): Promise<void> {
    const periodStart = periodStartOf(effectiveFrom, c.billingCycle);
    if (effectiveFrom === periodStart || effectiveFrom === c.startsOn) return;
    const periodEnd = c.billingCycle === 'annual' ? yearPeriod(periodStart.slice(0, 4)).end : nextMonthStart(periodStart.slice(0, 7));
    const versions = await this.repo.termsVersions(scope, [c.id], {}, em);
    const touched = versions.filter((v) => v.effectiveFrom < periodEnd && (v.effectiveFrom >= periodStart || v === versionInForce(versions, periodStart)));
    const once = (t: Terms) => t.components.some((x) => x.type === 'per_outcome' && x.chargeOncePer !== undefined);
    if (once(terms) || touched.some((v) => once(v.document)))
      throw ContractError.create(ContractErrorCode.TERMS_VERSION_SPLITS_CASE_CHARGE, undefined, [
        { field: 'effectiveFrom', message: `must be ${periodStart} or ${periodEnd}: these terms charge once per case per period` },
      ]);
  }

  /** Terms of an invoiced period are frozen: no amendment may take effect inside or before it. */
  private async refuseIfInvoiced(scope: Scope, em: Queryable, c: Contract, effectiveFrom: string): Promise<void> {
    const lastEnd = this.usage ? await this.usage.invoicedThrough(scope, c.id, em) : null;
    if (lastEnd && effectiveFrom < lastEnd)
      throw ContractError.create(
        ContractErrorCode.TERMS_VERSION_IN_INVOICED_PERIOD,
        `periods up to ${lastEnd} are invoiced; an amendment may take effect on ${lastEnd} at the earliest`,
        [{ field: 'effectiveFrom', message: `must be on or after ${lastEnd}` }],
      );
  }
}
