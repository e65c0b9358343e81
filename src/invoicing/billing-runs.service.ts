import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { Principal } from '../auth/principal';
import { notFound } from '../common/errors/common.errors';
import { Contract } from '../contracts/entities/contract.entity';
import { DomainException } from '../common/errors/domain-exception';
import { BillingRunView, CreateBillingRunDto } from './dto/invoice.dto';
import { BillingRun, BillingRunError } from './entities/billing-run.entity';
import { InvoicesService } from './invoices.service';
import { InvoicingError, InvoicingErrorCode } from './invoicing.errors';
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
    @InjectDataSource() private readonly db: DataSource,
    private readonly invoices: InvoicesService,
  ) {}

  async run(vendorId: string, dto: CreateBillingRunDto, requestedByKeyId: string | null, progress?: BillingProgress): Promise<BillingRunView> {
    const monthly = /^\d{4}-\d{2}$/.test(dto.period);
    const cycle = monthly ? 'monthly' : 'annual';
    const period = periodForCycle({ billingCycle: cycle }, dto.period);
    if (dto.contractIds) {
      const found = await this.db.manager.find(Contract, { where: { vendorId, id: In(dto.contractIds) }, select: { id: true } });
      const missing = dto.contractIds.filter((id) => !found.some((c) => c.id === id));
      if (missing.length) throw notFound('contract', missing[0]);
    }
    // Active contracts, and terminated ones whose dates still overlap the period.
    const contracts = await this.db.manager
      .createQueryBuilder(Contract, 'c')
      .where('c.vendor_id = :vendorId AND c.billing_cycle = :cycle', { vendorId, cycle })
      .andWhere(`(c.status = 'active' OR (c.status = 'terminated' AND c.ends_on IS NOT NULL))`)
      .andWhere('c.starts_on < :end AND (c.ends_on IS NULL OR c.ends_on >= :start)', period)
      .andWhere(dto.contractIds ? 'c.id = ANY(:ids)' : 'TRUE', { ids: dto.contractIds ?? [] })
      .orderBy('c.id')
      .getMany();
    const [created] = await this.db.query(
      `INSERT INTO billing_runs (vendor_id, period_label, contract_ids, status, contracts_total, requested_by_key_id)
       VALUES ($1, $2, $3::uuid[], 'running', $4, $5) RETURNING id`,
      [vendorId, dto.period, dto.contractIds ?? null, contracts.length, requestedByKeyId],
    );
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
    await this.db.query(
      `UPDATE billing_runs SET status = 'completed', drafted = $3, refused = $4, already_finalized = $5, failed = $6,
              errors = $7::jsonb, finished_at = clock_timestamp()
        WHERE vendor_id = $1 AND id = $2`,
      [vendorId, created.id, counts.drafted, counts.refused, counts.already_finalized, counts.failed, JSON.stringify(errors)],
    );
    metrics.billingRunCompleted(counts);
    return this.find(vendorId, created.id);
  }

  async get(p: Principal, id: string): Promise<BillingRunView> {
    return this.find(p.vendorId, id);
  }

  private async find(vendorId: string, id: string): Promise<BillingRunView> {
    const r = await this.db.manager.findOneBy(BillingRun, { vendorId, id });
    if (!r) throw notFound('billing run', id);
    return toBillingRunView(r);
  }

  /** For the CLI: refuses a malformed period before anything runs. */
  static checkPeriod(period: string): void {
    if (!/^\d{4}(-(0[1-9]|1[0-2]))?$/.test(period))
      throw InvoicingError.create(InvoicingErrorCode.PERIOD_INVALID, 'period must be YYYY-MM or YYYY', [
        { field: 'period', message: 'must be YYYY-MM (monthly contracts) or YYYY (annual contracts)' },
      ]);
  }
}
