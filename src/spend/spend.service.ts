import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { scopeOf, vendorScope } from '../auth/scope';
import { Money } from '../common/money';
import { ContractsService } from '../contracts/contracts.service';
import type { Contract } from '../contracts/entities/contract.entity';
import { InvoicesService } from '../invoicing/invoices.service';
import { localDate, periodStartOf } from '../kernel/calendar';
import { minorUnits } from '../kernel/currency';
import type { OutcomesChanged } from '../outcomes/outcomes-changed.port';
import { periodForCycle } from '../pricing/period';
import type { PricingResult } from '../pricing/types';
import { WebhooksService } from '../webhooks/webhooks.service';
import {
  CurrentPeriodFiguresView,
  CurrentPeriodView,
  DEFAULT_THRESHOLDS,
  PutSpendControlsDto,
  SpendControlsVersionView,
  SpendControlsView,
  ThresholdCrossingView,
} from './dto/spend.dto';
import { FORECAST_METHOD, forecastOf, periodDays, reachedThresholds, shareOf } from './forecast';
import { SpendError, SpendErrorCode } from './spend.errors';
import { type CrossingRecord, type SpendControlsRecord, SpendRepository } from './spend.repository';

/** The draft's subtotal is what a budget is compared with: tax is not spend on the AI. */
export const BUDGET_BASIS = 'subtotal before tax';

/** The label of the billing period an instant falls in, in the contract's timezone and cycle. */
export function periodLabelAt(contract: Pick<Contract, 'timezone' | 'billingCycle'>, at: Date): string {
  const start = periodStartOf(localDate(at, contract.timezone), contract.billingCycle);
  return contract.billingCycle === 'annual' ? start.slice(0, 4) : start.slice(0, 7);
}

const AT_SHAPE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Spend controls (#19 item 4): per-contract budget, thresholds and hard-limit flag, set by the
 * vendor or the customer as append-only versions; the threshold check after outcomes are verified;
 * the current period's draft so far and its forecast.
 */
const NO_CONTROLS_TTL_MS = 5000;

@Injectable()
export class SpendService implements OutcomesChanged {
  private readonly logger = new Logger(SpendService.name);
  /**
   * Contracts seen without spend controls, until when (ms): most contracts have none, and asking
   * on every ingested outcome was one of its four round trips (#16 item 4). Controls set through
   * this process clear the entry at once; set through another, their first check waits at most
   * NO_CONTROLS_TTL_MS (and then sees every threshold reached, so nothing is missed).
   */
  private readonly withoutControls = new Map<string, number>();
  /** Bumped by every change of controls here, so a check that raced one does not cache a stale "none". */
  private controlsGeneration = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: SpendRepository,
    private readonly contracts: ContractsService,
    private readonly invoices: InvoicesService,
    private readonly webhooks: WebhooksService,
  ) {}

  // ── controls ───────────────────────────────────────────────────────────────────────────────────

  async get(p: Principal, contractId: string): Promise<SpendControlsView> {
    const contract = await this.contracts.findVisible(p, contractId);
    const versions = await this.repo.versions(scopeOf(p), contract.id);
    const views = versions.map((v) => this.versionView(v, contract.currency));
    return { contractId: contract.id, currency: contract.currency, current: views[0] ?? null, history: views };
  }

  /** A new version, whoever sets it (vendor admin or the contract's customer); the earlier ones stay. */
  async put(p: Principal, contractId: string, dto: PutSpendControlsDto): Promise<SpendControlsView> {
    const contract = await this.contracts.findVisible(p, contractId);
    const decimals = minorUnits(contract.currency);
    const budget = new Money(dto.budget);
    const wrong = [
      ...(budget.lessThanOrEqualTo(0) ? [{ field: 'budget', message: 'must be greater than zero' }] : []),
      ...(budget.decimalPlaces() > decimals ? [{ field: 'budget', message: `must have at most ${decimals} decimals for ${contract.currency}` }] : []),
    ];
    if (wrong.length) throw SpendError.create(SpendErrorCode.SPEND_CONTROLS_INVALID, wrong.map((w) => `${w.field} ${w.message}`).join('; '), wrong);
    const thresholds = [...(dto.thresholds ?? DEFAULT_THRESHOLDS)].sort((a, b) => a - b);
    const hardLimit = dto.hardLimit ?? false;
    const scope = scopeOf(p);
    await this.db.transaction(async (em) => {
      const [now] = await this.repo.current(scope, [contract.id], em);
      // PUT is idempotent: the same controls again (a retry) add no version.
      const same = now && budget.equals(now.budget) && now.hard_limit === hardLimit && now.thresholds.join(',') === thresholds.join(',');
      if (!same)
        await this.repo.insert(
          scope,
          { contractId: contract.id, budget: budget.toFixed(), thresholds, hardLimit, keyId: p.keyId, role: p.role === 'customer' ? 'customer' : 'vendor_admin' },
          em,
        );
    });
    // After the commit: a check that read before it (and saw none) does not cache it.
    this.controlsGeneration++;
    this.withoutControls.delete(`${p.vendorId}:${contract.id}`);
    return this.get(p, contract.id);
  }

  // ── threshold checks ───────────────────────────────────────────────────────────────────────────

  /**
   * Outcomes' port: after verified outcomes of these contracts committed, prices each one's open
   * period (the draft-so-far, one pricing input per contract, whatever the number of outcomes) and
   * announces every threshold it reached that was not announced yet. A failure is logged, not
   * thrown: the outcomes are recorded, and the next check catches up (it looks at every threshold
   * reached, not only the newly reached).
   */
  async verifiedOutcomesChanged(vendorId: string, contractIds: readonly string[]): Promise<void> {
    const scope = vendorScope(vendorId);
    const now = Date.now();
    const unknown = contractIds.filter((id) => (this.withoutControls.get(`${vendorId}:${id}`) ?? 0) <= now);
    if (unknown.length === 0) return;
    try {
      const generation = this.controlsGeneration;
      const controls = await this.repo.current(scope, unknown);
      if (generation === this.controlsGeneration) {
        const found = new Set(controls.map((c) => c.contract_id));
        if (this.withoutControls.size > 100_000) this.withoutControls.clear();
        for (const id of unknown) if (!found.has(id)) this.withoutControls.set(`${vendorId}:${id}`, now + NO_CONTROLS_TTL_MS);
      }
      for (const c of controls) await this.checkContract(vendorId, c);
    } catch (e) {
      this.logger.error(`spend threshold check failed for ${contractIds.join(', ')}: ${(e as Error).message}`);
    }
  }

  private async checkContract(vendorId: string, controls: SpendControlsRecord): Promise<void> {
    const scope = vendorScope(vendorId);
    const contract = await this.contracts.findInScope(scope, controls.contract_id);
    const label = periodLabelAt(contract, new Date());
    const priced = await this.invoices.priceOpenPeriod(vendorId, contract, label);
    if (!priced || !priced.result.ok) return;
    const reached = reachedThresholds(priced.result.subtotal, controls.budget, controls.thresholds);
    if (reached.length === 0) return;
    const { result, period } = priced;
    await this.db.transaction(async (em) => {
      const fresh = await this.repo.recordCrossings(
        scope,
        { contractId: contract.id, periodStart: period.start, thresholds: reached, versionId: controls.id, budget: controls.budget, amount: result.subtotal },
        em,
      );
      // The event and its unique row commit together: a rolled-back check announces nothing.
      const decimals = minorUnits(contract.currency);
      for (const threshold of fresh)
        await this.webhooks.enqueue(em, vendorId, 'spend.threshold_crossed', {
          contractId: contract.id,
          customerId: contract.customerId,
          period: { label, start: period.start, end: period.end },
          currency: contract.currency,
          threshold,
          budget: new Money(controls.budget).toFixed(decimals),
          amount: new Money(result.subtotal).toFixed(decimals),
          budgetBasis: BUDGET_BASIS,
          spentShare: shareOf(result.subtotal, controls.budget),
          hardLimit: controls.hard_limit,
          controlsVersionId: controls.id,
        });
    });
  }

  // ── the current period ─────────────────────────────────────────────────────────────────────────

  /** The open period's draft so far, its forecast to period end and the spend figures; writes nothing. */
  async currentPeriod(p: Principal, contractId: string, atText?: string): Promise<CurrentPeriodView> {
    const at = this.instant(atText);
    const contract = await this.contracts.findVisible(p, contractId);
    const scope = scopeOf(p);
    const decimals = minorUnits(contract.currency);
    const label = periodLabelAt(contract, at);
    const [controls] = await this.repo.current(scope, [contract.id]);
    const priced = await this.invoices.priceOpenPeriod(p.vendorId, contract, label);
    const period = periodForCycle(contract, label);
    const crossings = await this.repo.crossings(scope, contract.id, period.start);
    const draft = priced?.result.ok ? this.figures(priced.result, decimals) : null;
    let forecast: CurrentPeriodView['forecast'] = null;
    if (priced?.result.ok) {
      const days = periodDays(priced.period, contract, localDate(at, contract.timezone));
      const f = forecastOf(priced.input, days);
      if (f.result.ok)
        forecast = { method: FORECAST_METHOD, elapsedDays: days.elapsed, totalDays: days.total, factor: f.factor, ...this.figures(f.result, decimals) };
    }
    const refused = priced && !priced.result.ok ? priced.result : null;
    return {
      contractId: contract.id,
      currency: contract.currency,
      period: { label, start: period.start, end: period.end },
      asOf: at.toISOString(),
      termsVersionId: priced?.termsVersionId ?? null,
      draft,
      refusal: refused ? { code: refused.code, reason: refused.reason } : priced ? null : { code: 'NO_TERMS', reason: `no terms are in force for ${label}` },
      forecast,
      spendControls: controls ? this.versionView(controls, contract.currency) : null,
      budgetBasis: BUDGET_BASIS,
      spentShare: controls && draft ? shareOf(draft.subtotal, controls.budget) : null,
      forecastShare: controls && forecast ? shareOf(forecast.subtotal, controls.budget) : null,
      thresholdsCrossed: crossings.map((x) => this.crossingView(x, decimals)),
    };
  }

  private instant(text: string | undefined): Date {
    if (text === undefined) return new Date();
    const d = new Date(text);
    if (!AT_SHAPE.test(text) || Number.isNaN(d.getTime()))
      throw SpendError.create(SpendErrorCode.AS_OF_INVALID, `at: "${text}" is not an ISO 8601 instant with an offset`, [
        { field: 'at', message: 'must be an ISO 8601 instant with an offset, e.g. 2026-03-10T12:00:00+08:00' },
      ]);
    return d;
  }

  private figures(r: Extract<PricingResult, { ok: true }>, decimals: number): CurrentPeriodFiguresView {
    const m = (v: string) => new Money(v).toFixed(decimals);
    return {
      subtotal: m(r.subtotal),
      tax: m(r.tax),
      total: m(r.total),
      lines: r.lines.map((l) => ({ key: l.key, kind: l.kind, description: l.description, quantity: l.quantity, unitPrice: l.unitPrice, amount: m(l.amount) })),
    };
  }

  private versionView(v: SpendControlsRecord, currency: string): SpendControlsVersionView {
    return {
      id: v.id,
      contractId: v.contract_id,
      budget: new Money(v.budget).toFixed(minorUnits(currency)),
      thresholds: v.thresholds,
      hardLimit: v.hard_limit,
      setBy: { keyId: v.set_by_key_id, role: v.set_by_role },
      setAt: v.set_at,
    };
  }

  private crossingView(x: CrossingRecord, decimals: number): ThresholdCrossingView {
    return { threshold: x.threshold, amount: new Money(x.amount).toFixed(decimals), budget: new Money(x.budget).toFixed(decimals), crossedAt: x.crossed_at };
  }
}
