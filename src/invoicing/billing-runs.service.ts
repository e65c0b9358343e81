import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { Scope, scopeOf, vendorScope } from '../auth/scope';
import { notFound } from '../common/errors/common.errors';
import { DomainException } from '../common/errors/domain-exception';
import { ContractsService } from '../contracts/contracts.service';
import { BillingRunsRepository } from './billing-runs.repository';
import { BillingRunContractView, BillingRunView, CreateBillingRunDto } from './dto/invoice.dto';
import type { BillingRun, BillingRunContract, BillingRunError } from './entities/billing-run.entity';
import { DraftResult, InvoicesService } from './invoices.service';
import { InvoicingError, InvoicingErrorCode } from './invoicing.errors';
import { PERIOD_LABEL } from '../kernel/calendar';
import { periodForCycle } from '../pricing/period';
import { metrics } from '../observability/metrics';

export function toBillingRunView(r: BillingRun, results: readonly BillingRunContract[] = []): BillingRunView {
  return {
    id: r.id,
    period: r.periodLabel,
    contractIds: r.contractIds,
    status: r.status,
    contracts: r.contractsTotal,
    drafted: r.drafted,
    refused: r.refused,
    alreadyFinalized: r.alreadyFinalized,
    failed: r.failed,
    errors: r.errors,
    results: results.map(toContractResultView),
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt ? r.finishedAt.toISOString() : null,
  };
}

function toContractResultView(r: BillingRunContract): BillingRunContractView {
  return {
    contractId: r.contractId,
    result: r.result,
    invoiceId: r.invoiceId,
    total: r.details?.total ?? null,
    reasonCode: r.reasonCode,
    reason: r.reason,
    termsCode: r.details?.termsCode ?? null,
  };
}

const SKIP_REASON: Record<string, string> = {
  BILLING_CYCLE_MISMATCH: 'the contract is billed on the other cycle (YYYY-MM periods bill monthly contracts, YYYY annual ones)',
  CONTRACT_NOT_ACTIVE: 'the contract is not active',
  CONTRACT_NOT_STARTED: 'the contract starts after the period',
  CONTRACT_ENDED: 'the contract ended before the period',
  INVOICE_ALREADY_FINALIZED: "the period's invoice is finalized; it is left as it is",
};

/** What refreshing one contract's draft did, as the run reports it. */
function resultOf(contractId: string, r: DraftResult): BillingRunContract {
  switch (r.outcome) {
    case 'drafted':
      return { contractId, result: 'drafted', invoiceId: r.invoiceId, reasonCode: null, reason: null, details: r.total ? { total: r.total } : null };
    case 'already_finalized':
      return { contractId, result: 'skipped', invoiceId: r.invoiceId, reasonCode: 'INVOICE_ALREADY_FINALIZED', reason: SKIP_REASON.INVOICE_ALREADY_FINALIZED, details: null };
    case 'refused':
      // The draft is kept with its refusal, so the invoice id is reported too.
      return {
        contractId,
        result: 'skipped',
        invoiceId: r.invoiceId,
        reasonCode: 'TERMS_REFUSED',
        reason: r.refusal?.reason ?? 'the terms refused to price the period',
        details: r.refusal ? { termsCode: r.refusal.code } : null,
      };
  }
}

/**
 * A contract whose draft could not be refreshed. No terms in force is a skip the vendor can act on
 * (add terms); another domain refusal keeps its code; anything else is an internal failure whose
 * message stays in the log.
 */
function failureOf(contractId: string, e: unknown, message: string): BillingRunContract {
  if (e instanceof DomainException && e.code === InvoicingErrorCode.INVOICE_HAS_NO_TERMS)
    return { contractId, result: 'skipped', invoiceId: null, reasonCode: 'NO_TERMS_IN_FORCE', reason: message, details: null };
  if (e instanceof DomainException) return { contractId, result: 'failed', invoiceId: null, reasonCode: e.code, reason: message, details: null };
  return { contractId, result: 'failed', invoiceId: null, reasonCode: 'INTERNAL_ERROR', reason: 'an unexpected error; see the service log', details: null };
}

/** Called after each contract, e.g. to move a progress bar. */
export type BillingProgress = (done: number, total: number) => void;

/**
 * A billing run: for every billable contract of the period, create or recompute its draft invoice.
 * Each contract is its own short statement, so a run can be repeated or raced safely: drafts are
 * recomputed, finalized invoices are left alone, and the unique key keeps one invoice per contract
 * and period.
 */
@Injectable()
export class BillingRunsService {
  private readonly logger = new Logger(BillingRunsService.name);

  constructor(
    private readonly repo: BillingRunsRepository,
    private readonly contracts: ContractsService,
    private readonly invoices: InvoicesService,
  ) {}

  async run(vendorId: string, dto: CreateBillingRunDto, requestedByKeyId: string | null, progress?: BillingProgress): Promise<BillingRunView> {
    const monthly = /^\d{4}-\d{2}$/.test(dto.period);
    const cycle = monthly ? 'monthly' : 'annual';
    const period = periodForCycle({ billingCycle: cycle }, dto.period);
    const scope = vendorScope(vendorId);
    if (dto.contractIds) {
      const found = await this.contracts.existingIds(scope, dto.contractIds);
      const missing = dto.contractIds.filter((id) => !found.includes(id));
      if (missing.length) throw notFound('contract', missing[0]);
    }
    const candidates = await this.contracts.billingCandidates(scope, { billingCycle: cycle, start: period.start, end: period.end, ids: dto.contractIds ?? null });
    const contracts = candidates.filter((c) => c.skip === null).map((c) => c.contract);
    const runId = await this.repo.start(scope, {
      periodLabel: dto.period,
      contractIds: dto.contractIds ?? null,
      contractsTotal: contracts.length,
      requestedByKeyId,
    });
    const results: BillingRunContract[] = candidates
      .filter((c) => c.skip !== null)
      .map(({ contract, skip }) => ({ contractId: contract.id, result: 'skipped', invoiceId: null, reasonCode: skip, reason: SKIP_REASON[skip!] ?? null, details: null }));
    const counts = { drafted: 0, refused: 0, already_finalized: 0, failed: 0, skipped: results.length };
    const errors: BillingRunError[] = [];
    let done = 0;
    for (const c of contracts) {
      try {
        const r = await this.invoices.refreshDraft(vendorId, c, dto.period);
        counts[r.outcome]++;
        results.push(resultOf(c.id, r));
      } catch (e) {
        counts.failed++;
        if (!(e instanceof DomainException)) this.logger.error(e instanceof Error ? e.stack : String(e));
        const message = e instanceof Error ? e.message : String(e);
        if (errors.length < 100) errors.push({ contractId: c.id, message });
        results.push(failureOf(c.id, e, message));
      }
      progress?.(++done, contracts.length);
    }
    await this.repo.completeWithResults(
      scope,
      runId,
      { drafted: counts.drafted, refused: counts.refused, alreadyFinalized: counts.already_finalized, failed: counts.failed, errors },
      results,
    );
    metrics.billingRunCompleted(counts);
    return this.find(scope, runId);
  }

  /** A run as the caller may see it: a vendor-wide operation, invisible to a contract- or customer-limited key (404). */
  async get(p: Principal, id: string): Promise<BillingRunView> {
    return this.find(scopeOf(p), id);
  }

  private async find(scope: Scope, id: string): Promise<BillingRunView> {
    const r = await this.repo.find(scope, id);
    if (!r) throw notFound('billing run', id);
    return toBillingRunView(r, await this.repo.results(scope, id));
  }

  /** For the CLI: refuses a malformed period before anything runs. */
  static checkPeriod(period: string): void {
    if (!PERIOD_LABEL.test(period))
      throw InvoicingError.create(InvoicingErrorCode.PERIOD_INVALID, 'period must be YYYY-MM or YYYY', [
        { field: 'period', message: 'must be YYYY-MM (monthly contracts) or YYYY (annual contracts)' },
      ]);
  }
}
