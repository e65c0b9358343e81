import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { Scope, scopeOf, vendorScope } from '../auth/scope';
import { notFound } from '../common/errors/common.errors';
import { DomainException } from '../common/errors/domain-exception';
import { ContractsService } from '../contracts/contracts.service';
import { BillingRunsRepository } from './billing-runs.repository';
import { BillingRunView, CreateBillingRunDto } from './dto/invoice.dto';
import type { BillingRun, BillingRunError } from './entities/billing-run.entity';
import { InvoicesService } from './invoices.service';
import { InvoicingError, InvoicingErrorCode } from './invoicing.errors';
import { PERIOD_LABEL } from '../kernel/calendar';
import { periodForCycle } from '../pricing/period';
import { metrics } from '../observability/metrics';

export function toBillingRunView(r: BillingRun): BillingRunView {
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
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt ? r.finishedAt.toISOString() : null,
  };
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
    const contracts = await this.contracts.billable(scope, { billingCycle: cycle, start: period.start, end: period.end, ids: dto.contractIds ?? null });
    const runId = await this.repo.start(scope, {
      periodLabel: dto.period,
      contractIds: dto.contractIds ?? null,
      contractsTotal: contracts.length,
      requestedByKeyId,
    });
    const counts = { drafted: 0, refused: 0, already_finalized: 0, failed: 0 };
    const errors: BillingRunError[] = [];
    let done = 0;
    for (const c of contracts) {
      try {
        const r = await this.invoices.refreshDraft(vendorId, c, dto.period);
        counts[r.outcome]++;
      } catch (e) {
        counts.failed++;
        if (!(e instanceof DomainException)) this.logger.error(e instanceof Error ? e.stack : String(e));
        if (errors.length < 100) errors.push({ contractId: c.id, message: e instanceof Error ? e.message : String(e) });
      }
      progress?.(++done, contracts.length);
    }
    await this.repo.complete(scope, runId, {
      drafted: counts.drafted,
      refused: counts.refused,
      alreadyFinalized: counts.already_finalized,
      failed: counts.failed,
      errors,
    });
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
    return toBillingRunView(r);
  }

  /** For the CLI: refuses a malformed period before anything runs. */
  static checkPeriod(period: string): void {
    if (!PERIOD_LABEL.test(period))
      throw InvoicingError.create(InvoicingErrorCode.PERIOD_INVALID, 'period must be YYYY-MM or YYYY', [
        { field: 'period', message: 'must be YYYY-MM (monthly contracts) or YYYY (annual contracts)' },
      ]);
  }
}
