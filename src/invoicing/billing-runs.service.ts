import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { Scope, scopeOf, vendorScope } from '../auth/scope';
import { notFound } from '../common/errors/common.errors';
import { DomainException } from '../common/errors/domain-exception';
import { ContractsService } from '../contracts/contracts.service';
import { BillingRunsRepository } from './billing-runs.repository';
import { BillingRunContractView, BillingRunListQuery, BillingRunResultsQuery, BillingRunSummaryView, BillingRunView, CreateBillingRunDto } from './dto/invoice.dto';
import { decodeCursor, encodeCursor, type Page } from '../common/http/pagination';
import type { BillingRun, BillingRunContract } from './entities/billing-run.entity';
import { DraftResult, InvoicesService } from './invoices.service';
import { InvoicingError, InvoicingErrorCode } from './invoicing.errors';
import { PERIOD_LABEL } from '../kernel/calendar';
import { periodForCycle } from '../pricing/period';
import { metrics } from '../observability/metrics';
import { WebhooksService } from '../webhooks/webhooks.service';
import type { Contract } from '../contracts/entities/contract.entity';
import { BillingChunk, billingChunkSize, BillingQueue } from './billing-queue';
import { envInt } from '../common/config/env-int';

type Tally = Awaited<ReturnType<BillingRunsRepository['tally']>>;
const NO_TALLY: Tally = { results: 0, drafted: 0, refused: 0, alreadyFinalized: 0, failed: 0, errors: [] };

/**
 * A run as it stands. While it works, its counts are what its result rows add up to so far (the
 * tally); once completed, the counts its completion stored from that same tally (which runs from
 * before per-contract rows also have).
 */
/** How many results GET /v1/billing-runs/:id carries; the rest are paged by GET /v1/billing-runs/:id/results. */
export const RESULTS_IN_RUN_VIEW = 100;

export function toBillingRunView(r: BillingRun, tally: Tally, results: readonly BillingRunContract[] = [], resultsNextCursor: string | null = null): BillingRunView {
  const c = r.status === 'completed' ? r : tally;
  return {
    id: r.id,
    period: r.periodLabel,
    contractIds: r.contractIds,
    status: r.status,
    contracts: r.contractsTotal,
    // the rows of contracts skipped before pricing are written with the run
    processed: r.status === 'completed' ? r.contractsTotal : Math.max(0, tally.results - (r.considered - r.contractsTotal)),
    finalizeWhenDrafted: r.finalizeWhenDrafted,
    drafted: c.drafted,
    refused: c.refused,
    alreadyFinalized: c.alreadyFinalized,
    failed: c.failed,
    errors: c.errors,
    results: results.map(toContractResultView),
    resultsNextCursor,
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
    finalized: r.details?.finalized ?? false,
    finalizeCode: r.details?.finalizeCode ?? null,
  };
}

/** The `billing_run.completed` event: the run's counts, not its per-contract rows (read them with GET /v1/billing-runs/:id). */
export function billingRunEventData(v: BillingRunView): Record<string, unknown> {
  return {
    id: v.id,
    period: v.period,
    status: v.status,
    contracts: v.contracts,
    drafted: v.drafted,
    refused: v.refused,
    alreadyFinalized: v.alreadyFinalized,
    failed: v.failed,
    finalizeWhenDrafted: v.finalizeWhenDrafted,
    startedAt: v.startedAt,
    finishedAt: v.finishedAt,
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
  if (e instanceof DomainException) return { contractId, result: 'failed', invoiceId: null, reasonCode: e.code, reason: message, details: { message } };
  return { contractId, result: 'failed', invoiceId: null, reasonCode: 'INTERNAL_ERROR', reason: 'an unexpected error; see the service log', details: { message } };
}

/** Called as a run progresses, e.g. to move a progress bar. */
export type BillingProgress = (done: number, total: number) => void;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The period's cycle and bounds, as the label says. */
function periodOf(label: string) {
  const cycle = /^\d{4}-\d{2}$/.test(label) ? 'monthly' : 'annual';
  return { cycle, ...periodForCycle({ billingCycle: cycle }, label) } as const;
}

/**
 * A billing run: for every billable contract of the period, create or recompute its draft invoice.
 * The request records the run, the result of each contract skipped before pricing, and the run's
 * chunks of contracts as jobs of the billing queue, in one transaction, and answers at once (202).
 * Workers (this process unless BILLING_WORKER=false, and any `cli worker`) draft each contract with
 * its own short statements and write its result row; the row's key (run, contract) is what makes a
 * redelivered or raced chunk add nothing, and drafting itself is idempotent per period (one invoice
 * per contract and period, recomputed while a draft). The worker that writes the last row completes
 * the run and emits `billing_run.completed`, under the run's row lock, once.
 */
@Injectable()
export class BillingRunsService implements OnModuleInit {
  private readonly logger = new Logger(BillingRunsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: BillingRunsRepository,
    private readonly contracts: ContractsService,
    private readonly invoices: InvoicesService,
    private readonly queue: BillingQueue,
    private readonly webhooks: WebhooksService,
  ) {}

  onModuleInit(): void {
    this.queue.setHandler((chunk, attempt) => this.workChunk(chunk, attempt));
  }

  /** Records and queues a run; its view as it stands (usually `queued`). */
  async start(vendorId: string, dto: CreateBillingRunDto, requestedByKeyId: string | null): Promise<BillingRunView> {
    const period = periodOf(dto.period);
    const scope = vendorScope(vendorId);
    if (dto.contractIds) {
      const found = await this.contracts.existingIds(scope, dto.contractIds);
      const missing = dto.contractIds.filter((id) => !found.includes(id));
      if (missing.length) throw notFound('contract', missing[0]);
    }
    const candidates = await this.contracts.billingCandidates(scope, { billingCycle: period.cycle, start: period.start, end: period.end, ids: dto.contractIds ?? null });
    const billable = candidates.filter((c) => c.skip === null).map((c) => c.contract.id);
    const skipped: BillingRunContract[] = candidates
      .filter((c) => c.skip !== null)
      .map(({ contract, skip }) => ({ contractId: contract.id, result: 'skipped', invoiceId: null, reasonCode: skip, reason: SKIP_REASON[skip!] ?? null, details: null }));
    const size = billingChunkSize();
    const runId = await this.db.transaction(async (em) => {
      const id = await this.repo.start(
        scope,
        {
          periodLabel: dto.period,
          contractIds: dto.contractIds ?? null,
          contractsTotal: billable.length,
          considered: candidates.length,
          finalizeWhenDrafted: dto.finalizeWhenDrafted ?? false,
          requestedByKeyId,
        },
        em,
      );
      await this.repo.insertResults(scope, id, skipped, em);
      const chunks: BillingChunk[] = [];
      for (let i = 0; i < billable.length; i += size) chunks.push({ vendorId, runId: id, contractIds: billable.slice(i, i + size) });
      await this.queue.enqueue(em, chunks);
      // Nothing billable: complete now, there is no job to do it.
      if (!chunks.length) await this.completeIfDone(scope, id, em);
      return id;
    });
    this.queue.wake();
    return this.find(scope, runId);
  }

  /**
   * Starts a run and waits for it to complete, reporting progress: for the console, the CLI's
   * `bill` and benches. Some worker must be working the queue (this process's, by default).
   */
  async run(vendorId: string, dto: CreateBillingRunDto, requestedByKeyId: string | null, progress?: BillingProgress): Promise<BillingRunView> {
    const started = await this.start(vendorId, dto, requestedByKeyId);
    return this.waitFor(vendorScope(vendorId), started.id, progress);
  }

  /** Polls a run until it is completed or failed; its final view. */
  async waitFor(scope: Scope, id: string, progress?: BillingProgress, pollMs = 200): Promise<BillingRunView> {
    for (;;) {
      const r = await this.repo.find(scope, id);
      if (!r) throw notFound('billing run', id);
      if (r.status === 'completed' || r.status === 'failed') {
        progress?.(r.contractsTotal, r.contractsTotal);
        return this.find(scope, id);
      }
      const t = await this.repo.tally(scope, id);
      progress?.(toBillingRunView(r, t).processed, r.contractsTotal);
      await sleep(pollMs);
    }
  }

  /**
   * A worker's job: each contract of the chunk that has no result in the run yet is drafted (and
   * finalized if the run says so) and gets its result row at once, so that a worker killed midway
   * loses at most the contract in hand, which the next delivery redoes (its draft is recomputed,
   * not duplicated).
   */
  async workChunk(chunk: BillingChunk, attempt: { lastAttempt: boolean } = { lastAttempt: false }): Promise<void> {
    try {
      await this.billChunk(chunk);
    } catch (e) {
      if (!attempt.lastAttempt) throw e; // back to the queue, retried
      // Its retries spent (the database kept failing it): its remaining contracts fail, so that the run still completes.
      this.logger.error(`billing run ${chunk.runId}: a chunk failed on its last attempt: ${e instanceof Error ? e.stack : String(e)}`);
      const scope = vendorScope(chunk.vendorId);
      const done = new Set(await this.repo.contractsWithResults(scope, chunk.runId, chunk.contractIds));
      const message = 'billing this contract kept failing; see the service log';
      await this.repo.insertResults(
        scope,
        chunk.runId,
        chunk.contractIds
          .filter((id) => !done.has(id))
          .map((contractId) => ({ contractId, result: 'failed', invoiceId: null, reasonCode: 'INTERNAL_ERROR', reason: message, details: { message } })),
      );
      await this.completeIfDone(scope, chunk.runId);
    }
  }

  private async billChunk(chunk: BillingChunk): Promise<void> {
    const scope = vendorScope(chunk.vendorId);
    const run = await this.repo.find(scope, chunk.runId);
    if (!run || run.status === 'completed' || run.status === 'failed') return;
    await this.repo.markRunning(scope, run.id);
    const done = new Set(await this.repo.contractsWithResults(scope, run.id, chunk.contractIds));
    const todo = chunk.contractIds.filter((id) => !done.has(id));
    if (todo.length) {
      const period = periodOf(run.periodLabel);
      // Re-read now: a contract may have ended or been suspended since the run was queued.
      const candidates = await this.contracts.billingCandidates(scope, { billingCycle: period.cycle, start: period.start, end: period.end, ids: todo });
      // For the crash tests only: makes a run slow enough to kill a worker in the middle of it.
      const delayMs = envInt('BILLING_TEST_DELAY_MS', 0);
      if (delayMs > 0) await sleep(delayMs * candidates.length);
      const drafts = await this.draftAll(run, candidates.filter((c) => c.skip === null).map((c) => c.contract));
      const rows: BillingRunContract[] = [];
      for (const { contract, skip } of candidates)
        rows.push(
          skip !== null
            ? { contractId: contract.id, result: 'skipped', invoiceId: null, reasonCode: skip, reason: SKIP_REASON[skip] ?? null, details: null }
            : await this.afterDraft(run, contract, drafts.get(contract.id)!),
        );
      // The chunk's result rows in one statement, once its drafts are written: a worker killed
      // before it leaves the whole chunk to the next delivery, which recomputes the same drafts.
      await this.repo.insertResults(scope, run.id, rows);
    }
    await this.completeIfDone(scope, run.id);
  }

  /**
   * The chunk's drafts, set-based (`InvoicesService.refreshDrafts`). Should the batch itself fail
   * (a statement refused over some contract's data), each contract is drafted alone, so that one
   * bad contract fails only itself.
   */
  private async draftAll(run: BillingRun, contracts: Contract[]): Promise<Map<string, DraftResult | { error: unknown }>> {
    try {
      const rs = await this.invoices.refreshDrafts(run.vendorId, contracts, run.periodLabel);
      return new Map(contracts.map((c, i) => [c.id, rs[i]]));
    } catch (e) {
      if (contracts.length <= 1) return new Map(contracts.map((c) => [c.id, { error: e }]));
      this.logger.warn(`billing run ${run.id}: a chunk's drafts failed together, drafting its contracts one by one: ${e instanceof Error ? e.message : String(e)}`);
      const out = new Map<string, DraftResult | { error: unknown }>();
      for (const c of contracts) {
        try {
          out.set(c.id, await this.invoices.refreshDraft(run.vendorId, c, run.periodLabel));
        } catch (error) {
          out.set(c.id, { error });
        }
      }
      return out;
    }
  }

  /** One contract's result once its draft is refreshed: finalized when the run asks for it. */
  private async afterDraft(run: BillingRun, c: Contract, refreshed: DraftResult | { error: unknown }): Promise<BillingRunContract> {
    if ('error' in refreshed) {
      const e = refreshed.error;
      if (!(e instanceof DomainException)) this.logger.error(e instanceof Error ? e.stack : String(e));
      return failureOf(c.id, e, e instanceof Error ? e.message : String(e));
    }
    const r = refreshed;
    if (!run.finalizeWhenDrafted) return resultOf(c.id, r);
    const admin: Principal = { vendorId: run.vendorId, keyId: run.requestedByKeyId ?? '', role: 'vendor_admin', customerId: null, contractIds: null };
    if (r.outcome === 'already_finalized' && r.invoiceId) {
      // A redelivered chunk whose worker died after finalizing and before writing the row: this run finalized it.
      const inv = await this.invoices.get(admin, r.invoiceId);
      if (inv.finalizedAt && new Date(inv.finalizedAt) >= run.startedAt)
        return { contractId: c.id, result: 'drafted', invoiceId: inv.id, reasonCode: null, reason: null, details: { total: inv.total ?? undefined, finalized: true } };
      return resultOf(c.id, r);
    }
    const drafted = resultOf(c.id, r);
    if (r.outcome !== 'drafted') return drafted;
    try {
      await this.invoices.finalize(admin, r.invoiceId!);
      return { ...drafted, details: { ...drafted.details, finalized: true } };
    } catch (e) {
      if (!(e instanceof DomainException)) this.logger.error(e instanceof Error ? e.stack : String(e));
      return { ...drafted, details: { ...drafted.details, finalized: false, finalizeCode: e instanceof DomainException ? e.code : 'INTERNAL_ERROR' } };
    }
  }

  /**
   * Completes the run when every contract it considered has its row: under the run's row lock, so
   * that of two workers finishing together exactly one completes it and emits the event.
   */
  private async completeIfDone(scope: Scope, runId: string, outer?: EntityManager): Promise<void> {
    // Most chunks are not the last: a count of the rows (after this worker's own rows committed, so
    // the last of two finishing together sees both) spares them the locked tally of the whole run,
    // which grew with the run and queued the workers behind its lock.
    if (!outer) {
      const run = await this.repo.find(scope, runId);
      if (!run || run.status === 'completed' || run.status === 'failed') return;
      if ((await this.repo.countResults(scope, runId)) < run.considered) return;
    }
    let counts: Tally | null = null;
    const work = async (em: EntityManager) => {
      const run = await this.repo.find(scope, runId, em, { lock: true });
      if (!run || run.status === 'completed' || run.status === 'failed') return;
      const t = await this.repo.tally(scope, runId, em);
      if (t.results < run.considered) return;
      if (!(await this.repo.complete(scope, runId, t, em))) return;
      const done = (await this.repo.find(scope, runId, em))!;
      await this.webhooks.enqueue(em, scope.vendorId, 'billing_run.completed', billingRunEventData(toBillingRunView(done, t)));
      counts = t;
    };
    if (outer) await work(outer);
    else await this.db.transaction(work);
    const c = counts as Tally | null;
    if (c)
      metrics.billingRunCompleted({
        drafted: c.drafted,
        refused: c.refused,
        already_finalized: c.alreadyFinalized,
        failed: c.failed,
        skipped: c.results - c.drafted - c.refused - c.alreadyFinalized - c.failed,
      });
  }

  /** A run as the caller may see it: a vendor-wide operation, invisible to a contract- or customer-limited key (404). */
  async get(p: Principal, id: string): Promise<BillingRunView> {
    return this.find(scopeOf(p), id);
  }

  /** `GET /v1/billing-runs`: the vendor's runs, newest first; a run still working shows its counts so far. */
  async list(p: Principal, q: BillingRunListQuery): Promise<Page<BillingRunSummaryView>> {
    const scope = scopeOf(p);
    const limit = q.limit ?? 50;
    const rows = await this.repo.list(scope, { before: q.cursor ? decodeCursor(q.cursor) : null, limit: limit + 1, period: q.period ?? null, status: q.status ?? null });
    const page = rows.slice(0, limit);
    // Only runs still working need their tally (a few at a time); a completed run's counts are stored with it.
    const data = await Promise.all(
      page.map(async (r) => {
        const { results: _results, resultsNextCursor: _next, ...summary } = toBillingRunView(r, r.status === 'completed' ? NO_TALLY : await this.repo.tally(scope, r.id));
        return summary;
      }),
    );
    return { data, nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null };
  }

  /** `GET /v1/billing-runs/:id/results`: the per-contract results a page at a time, in contract order (a run of 100,000 contracts is not one answer). */
  async results(p: Principal, id: string, q: BillingRunResultsQuery): Promise<Page<BillingRunContractView>> {
    const scope = scopeOf(p);
    const run = await this.repo.find(scope, id);
    if (!run) throw notFound('billing run', id);
    const limit = q.limit ?? 100;
    const rows = await this.repo.results(scope, id, undefined, { after: q.cursor ? decodeCursor(q.cursor) : null, limit: limit + 1, result: q.result ?? null });
    const page = rows.slice(0, limit);
    return { data: page.map(toContractResultView), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].contractId) : null };
  }

  private async find(scope: Scope, id: string): Promise<BillingRunView> {
    const r = await this.repo.find(scope, id);
    if (!r) throw notFound('billing run', id);
    // A completed run's counts are stored with it: no tally to add up.
    // The first page of results only: a run of 100,000 contracts is not one answer (the rest: /results).
    const [t, rows] = await Promise.all([
      r.status === 'completed' ? NO_TALLY : this.repo.tally(scope, id),
      this.repo.results(scope, id, undefined, { after: null, limit: RESULTS_IN_RUN_VIEW + 1, result: null }),
    ]);
    const first = rows.slice(0, RESULTS_IN_RUN_VIEW);
    return toBillingRunView(r, t, first, rows.length > RESULTS_IN_RUN_VIEW ? encodeCursor(first[first.length - 1].contractId) : null);
  }

  /** For the CLI: refuses a malformed period before anything runs. */
  static checkPeriod(period: string): void {
    if (!PERIOD_LABEL.test(period))
      throw InvoicingError.create(InvoicingErrorCode.PERIOD_INVALID, 'period must be YYYY-MM or YYYY', [
        { field: 'period', message: 'must be YYYY-MM (monthly contracts) or YYYY (annual contracts)' },
      ]);
  }
}
