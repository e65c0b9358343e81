import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { localDateTime } from '../kernel/calendar';
import type { Principal } from '../auth/principal';
import { Scope, scopeOf, vendorScope } from '../auth/scope';
import { notFound } from '../common/errors/common.errors';
import { decodeCursor, encodeCursor, Page } from '../common/http/pagination';
import { Money } from '../common/money';
import { pageOf, Queryable } from '../common/sql';
import { ContractsService } from '../contracts/contracts.service';
import { OutcomeContractReads } from '../contracts/outcome.reads';
import type { Contract } from '../contracts/entities/contract.entity';
import { JournalEntryInput, LedgerService, PostedEntry } from '../ledger/ledger.service';
import { DomainException } from '../common/errors/domain-exception';
import { addDays, localDate } from '../kernel/calendar';
import { minorUnits } from '../kernel/currency';
import { priceInvoice } from '../pricing/engine';
import { storedFigureMismatches } from '../pricing/stored-figures';
import { periodForCycle } from '../pricing/period';
import type { BillingPeriod, PricedInvoice, PricingInput, PricingResult, SpendLimit, Terms } from '../pricing/types';
import { WebhooksService } from '../webhooks/webhooks.service';
import { BillingInputsRepository, BillingSubject, type InvoicedPeriod, periodTermsOf } from './billing-inputs.repository';
import type { TermsVersion } from '../contracts/entities/terms-version.entity';
import { InvoiceListQuery, InvoiceVerification, InvoiceView, RecordTaxInvoiceDto } from './dto/invoice.dto';
import type { Invoice } from './entities/invoice.entity';
import { DraftRow, FrozenFields, InvoicesRepository, Settled } from './invoices.repository';
import { amountDue, invoicePosting } from './invoice-math';
import { InvoicingError, InvoicingErrorCode } from './invoicing.errors';
import { SPEND_LIMITS, type SpendLimits } from './spend-limits.port';

export type DraftOutcome = 'drafted' | 'refused' | 'already_finalized';

/** What refreshing one contract's draft did; a billing run reports it per contract. */
export interface DraftResult {
  outcome: DraftOutcome;
  invoiceId: string | null;
  /** The drafted total (decimal string), when priced. */
  total?: string | null;
  /** Why the terms refused to price the period. */
  refusal?: { code: string; reason: string };
}

/** Money of an invoice in its currency's minor unit ("250000" → "250000.00"). */
export function moneyOf(v: string | null, currency: string): string | null {
  return v === null ? null : new Money(v).toFixed(minorUnits(currency));
}

export function toInvoiceView(i: Invoice, s: Settled, timezone?: string): InvoiceView {
  const m = (v: string) => moneyOf(v, i.currency)!;
  // Beside each UTC instant, the contract's local time, so a customer reads its own day.
  const local = timezone
    ? { timezone, finalizedAtLocal: i.finalizedAt ? localDateTime(i.finalizedAt, timezone) : null, createdAtLocal: localDateTime(i.createdAt, timezone) }
    : {};
  return {
    id: i.id,
    number: i.number,
    status: i.status,
    contractId: i.contractId,
    customerId: i.customerId,
    period: { label: i.periodLabel, start: i.periodStart, end: i.periodEnd },
    currency: i.currency,
    termsVersionId: i.termsVersionId,
    lines: i.lines.map((l) => ({
      key: l.key,
      component: l.componentType,
      kind: l.kind,
      description: l.description,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      amount: l.amount,
      ...(l.dimensions ? { dimensions: l.dimensions } : {}),
      ...(l.adjustment ? { adjustment: l.adjustment } : {}),
    })),
    subtotal: moneyOf(i.subtotal, i.currency),
    tax: moneyOf(i.tax, i.currency),
    total: moneyOf(i.total, i.currency),
    amountPaid: m(s.paid),
    amountCredited: m(s.credited),
    amountDue: i.status === 'draft' || i.total === null ? m(i.total ?? '0') : m(amountDue(i.total, s.paid, s.credited).toFixed()),
    refusal: i.refusal,
    trace: i.trace,
    traceDigest: i.traceDigest,
    computedAt: i.computedAt.toISOString(),
    finalizedAt: i.finalizedAt ? i.finalizedAt.toISOString() : null,
    issueDate: i.issueDate ?? null,
    dueDate: i.dueDate ?? null,
    timeZone: i.timeZone ?? null,
    paymentTermsDays: i.paymentTermsDays ?? null,
    poReference: i.poReference ?? null,
    overdue: isOverdue(i, s),
    taxInvoice: i.taxInvoice
      ? { number: i.taxInvoice.number, issuedOn: i.taxInvoice.issuedOn, recordedAt: new Date(i.taxInvoice.recordedAt).toISOString() }
      : null,
    createdAt: i.createdAt.toISOString(),
    ...local,
  };
}

/** Unpaid past due: finalized, something still due, and its due date over in the invoice's timezone. */
export function isOverdue(i: Pick<Invoice, 'status' | 'total' | 'dueDate' | 'timeZone'>, s: Settled, now: Date = new Date()): boolean {
  if (i.status !== 'finalized' || !i.dueDate || !i.timeZone || i.total === null) return false;
  if (!amountDue(i.total, s.paid, s.credited).greaterThan(0)) return false;
  return localDate(now, i.timeZone) > i.dueDate;
}

/** What webhooks carry about an invoice: its figures, not its trace. */
export function invoiceEventData(v: InvoiceView): Record<string, unknown> {
  return {
    id: v.id,
    number: v.number,
    status: v.status,
    contractId: v.contractId,
    customerId: v.customerId,
    period: v.period,
    currency: v.currency,
    subtotal: v.subtotal,
    tax: v.tax,
    total: v.total,
    amountPaid: v.amountPaid,
    amountCredited: v.amountCredited,
    amountDue: v.amountDue,
    traceDigest: v.traceDigest,
    finalizedAt: v.finalizedAt,
  };
}

/** One invoice of `finalizeMany`: its view once finalized, or why it was not. */
export interface FinalizeManyResult {
  invoiceId: string;
  invoice?: InvoiceView;
  error?: { code: string; detail: string };
}

/** A finalization claimed, priced and numbered, waiting for its journal entry. */
interface Prepared {
  inv: Invoice;
  scope: Scope;
  contract: Contract;
  termsVersionId: string;
  result: PricedInvoice;
  spendLimit: SpendLimit | null;
  number: string;
  finalizedAt: Date;
  claimXmin: string;
  posting: JournalEntryInput | null;
}

/** work_mem of a finalizing transaction: a million claimed rows (about 80 MB) stay in memory. */
const FINALIZE_WORK_MEM = '128MB';

const isUniqueViolationOn = (e: unknown, table: string) =>
  e instanceof QueryFailedError && (e as any).code === '23505' && (e as any).table === table;

/**
 * Drafts, finalization, reads and reproduction of invoices. A draft is whatever the engine says
 * about the period now; finalizing re-prices from the exact outcomes it records, in one
 * transaction with its number, its journal entry and its webhook.
 */
@Injectable()
export class InvoicesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: InvoicesRepository,
    private readonly contracts: ContractsService,
    private readonly inputs: BillingInputsRepository,
    private readonly ledger: LedgerService,
    private readonly webhooks: WebhooksService,
    private readonly contractReads: OutcomeContractReads,
    @Inject(SPEND_LIMITS) private readonly spendLimits: SpendLimits,
  ) {}

  /** What a period is billed under: the version in force on its last day, and its stretches when an amendment splits it. */
  private async subjectOf(
    scope: Scope,
    contract: Contract,
    period: BillingPeriod,
    em: Queryable,
  ): Promise<{ id: string; subject: BillingSubject; earlier: InvoicedPeriod[] } | null> {
    const [s] = await this.subjectsOf(scope, [{ contract, period }], em);
    return s;
  }

  /**
   * The same for several contracts (a chunk): their terms versions and their invoiced earlier
   * periods in one statement each for all of them. Null for a contract without terms for its
   * period. In input order.
   */
  private async subjectsOf(
    scope: Scope,
    items: ReadonlyArray<{ contract: Contract; period: BillingPeriod }>,
    em: Queryable,
  ): Promise<Array<{ id: string; subject: BillingSubject; earlier: InvoicedPeriod[] } | null>> {
    if (items.length === 0) return [];
    const versions = new Map<string, TermsVersion[]>();
    for (const v of await this.contracts.termsVersionsOf(scope, items.map((x) => x.contract.id), em))
      versions.set(v.contractId, [...(versions.get(v.contractId) ?? []), v]);
    const terms = items.map((x) => periodTermsOf(versions.get(x.contract.id) ?? [], x.period));
    const withTerms = items.flatMap((x, at) => (terms[at] ? [{ contractId: x.contract.id, before: x.period.start, versions: terms[at].versions }] : []));
    const earlier = withTerms.length ? await this.inputs.invoicedPeriodsBeforeEach(scope, withTerms, em) : new Map<string, InvoicedPeriod[]>();
    return items.map(({ contract, period }, at) => {
      const t = terms[at];
      if (!t) return null;
      return { id: t.version.id, subject: { scope, contract, period, terms: t.version.document, stretches: t.stretches }, earlier: earlier.get(contract.id)! };
    });
  }

  /** The engine input with the hard limit in force for the period, if any (recorded on the invoice). */
  private async withSpendLimit(em: Queryable, s: BillingSubject, input: PricingInput): Promise<PricingInput> {
    const limit = await this.spendLimits.hardLimitFor(s.scope, s.contract, s.period.end, em);
    return limit ? { ...input, spendLimit: limit } : input;
  }

  // -------------------------------------------------------------------------------------------
  // Drafts

  /**
   * Creates or recomputes the draft of a contract for a period. A finalized invoice is left as it
   * is; the unique key (contract, period start) keeps it to one invoice per contract and period,
   * however many runs race. The draft of one contract is that of a chunk of one (`refreshDrafts`).
   */
  async refreshDraft(vendorId: string, contract: Contract, label: string): Promise<DraftResult> {
    const [r] = await this.refreshDrafts(vendorId, [contract], label);
    if ('error' in r) throw r.error;
    return r;
  }

  /**
   * The drafts of several contracts of one vendor for a period (a billing run's chunk), set-based
   * (#16 item 2): their existing invoices, terms, invoiced periods, aggregates, KPIs and hard limits
   * read in a few statements for all of them (`openInputs`), each priced by the engine, and all the
   * drafts written by one upsert. A contract whose pricing cannot be done (no terms, the engine
   * threw) answers its error, the others go on. Answers in input order; contracts distinct.
   */
  async refreshDrafts(vendorId: string, contracts: readonly Contract[], label: string): Promise<Array<DraftResult | { error: unknown }>> {
    const scope = vendorScope(vendorId);
    const em = this.db.manager;
    const items = contracts.map((contract) => ({ contract, period: periodForCycle(contract, label) }));
    const existing = await this.repo.findOfPeriods(scope, items.map((x) => ({ contractId: x.contract.id, periodStart: x.period.start })), em);
    const out: Array<DraftResult | { error: unknown }> = new Array(items.length);
    const open: number[] = [];
    items.forEach((x, at) => {
      const inv = existing.get(x.contract.id);
      if (inv && inv.status !== 'draft') out[at] = { outcome: 'already_finalized', invoiceId: inv.id };
      else open.push(at);
    });
    const priced = await this.openInputs(scope, open.map((at) => items[at]), em);
    const drafts: Array<{ at: number; row: DraftRow; result: PricingResult }> = [];
    open.forEach((at, k) => {
      const { contract, period } = items[at];
      const p = priced[k];
      if (p === null) {
        out[at] = { error: InvoicingError.create(InvoicingErrorCode.INVOICE_HAS_NO_TERMS, `contract ${contract.id} has no terms before ${period.end}`) };
        return;
      }
      let result: PricingResult;
      try {
        result = priceInvoice(p.input);
      } catch (error) {
        out[at] = { error };
        return;
      }
      const ok = result.ok ? result : null;
      drafts.push({
        at,
        result,
        row: {
          contractId: contract.id,
          customerId: contract.customerId,
          periodLabel: label,
          periodStart: period.start,
          periodEnd: period.end,
          currency: contract.currency,
          termsVersionId: p.termsVersionId,
          subtotal: ok?.subtotal ?? null,
          tax: ok?.tax ?? null,
          total: ok?.total ?? null,
          lines: ok?.lines ?? [],
          traceJson: ok?.traceJson ?? null,
          traceDigest: ok?.traceDigest ?? null,
          refusal: result.ok ? null : { code: result.code, reason: result.reason, details: result.details },
          spendLimit: p.input.spendLimit ?? null,
        },
      });
    });
    const ids = await this.repo.upsertDrafts(scope, drafts.map((d) => d.row), em);
    // Finalized meanwhile (another run, a finalization): left as it is.
    const raced = drafts.filter((d) => !ids.has(d.row.contractId));
    const now = await this.repo.findOfPeriods(scope, raced.map((d) => ({ contractId: d.row.contractId, periodStart: d.row.periodStart })), em);
    for (const { at, row, result } of drafts) {
      const id = ids.get(row.contractId);
      out[at] =
        id === undefined
          ? { outcome: 'already_finalized', invoiceId: now.get(row.contractId)?.id ?? null }
          : result.ok
            ? { outcome: 'drafted', invoiceId: id, total: result.total }
            : { outcome: 'refused', invoiceId: id, refusal: { code: result.code, reason: result.reason } };
    }
    return out;
  }

  /**
   * The draft of a period priced exactly as `refreshDraft` prices it (same terms, same engine input,
   * same engine), writing nothing: the current-period view and the spend checks read it. Null when
   * the contract has no terms for the period. The engine input is returned too, for a forecast.
   */
  async priceOpenPeriod(
    vendorId: string,
    contract: Contract,
    label: string,
    em: Queryable = this.db.manager,
  ): Promise<{ period: BillingPeriod; termsVersionId: string; input: PricingInput; result: PricingResult } | null> {
    const period = periodForCycle(contract, label);
    const [p] = await this.openInputs(vendorScope(vendorId), [{ contract, period }], em);
    return p ? { period, termsVersionId: p.termsVersionId, input: p.input, result: priceInvoice(p.input) } : null;
  }

  /**
   * The engine inputs of open periods (drafts, previews) of several contracts, with the hard
   * limit in force for each: the terms versions, invoiced earlier periods and hard limits in one
   * statement each for all of them, the aggregates and KPIs as `openPricingInputs` reads them.
   * Null for a contract without terms for its period. In input order.
   */
  private async openInputs(
    scope: Scope,
    items: ReadonlyArray<{ contract: Contract; period: BillingPeriod }>,
    em: Queryable,
  ): Promise<Array<{ termsVersionId: string; input: PricingInput } | null>> {
    const subjects = (await this.subjectsOf(scope, items, em)).filter((x) => x !== null);
    const inputs = await this.inputs.openPricingInputs(em, subjects.map(({ subject, earlier }) => ({ subject, earlier })));
    const limits = await this.spendLimits.hardLimitsFor(scope, subjects.map(({ subject }) => ({ contract: subject.contract, periodEnd: subject.period.end })), em);
    const byContract = new Map(
      subjects.map(({ id, subject }, k) => {
        const limit = limits.get(subject.contract.id) ?? null;
        return [subject.contract.id, { termsVersionId: id, input: limit ? { ...inputs[k], spendLimit: limit } : inputs[k] }];
      }),
    );
    return items.map((x) => byContract.get(x.contract.id) ?? null);
  }

  // -------------------------------------------------------------------------------------------
  // Finalization

  /**
   * Finalizes a draft; finalizing a finalized invoice answers it as it is (idempotent: same number,
   * no second journal entry). A concurrent claim of the same late outcome by another invoice is
   * retried once.
   */
  async finalize(p: Principal, id: string): Promise<InvoiceView> {
    const scope = scopeOf(p);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.finalizeOnce(scope, id);
      } catch (e) {
        if (!isUniqueViolationOn(e, 'invoice_outcomes')) throw e;
        if (attempt >= 2)
          throw InvoicingError.create(InvoicingErrorCode.INVOICE_OUTCOMES_CONFLICT, 'some of its outcomes were billed by another invoice meanwhile');
      }
    }
  }

  private async finalizeOnce(callerScope: Scope, id: string): Promise<InvoiceView> {
    return this.db.transaction(async (em) => {
      const prepared = await this.prepareFinalization(em, callerScope, id);
      if ('view' in prepared) return prepared.view;
      const entry = prepared.posting ? await this.ledger.post(em, prepared.inv.vendorId, prepared.posting) : null;
      return this.completeFinalization(em, prepared, entry);
    });
  }

  /**
   * Finalizes many drafts of the caller's vendor in one transaction, their journal entries posted
   * as one batch under one lock of the chain head (a billing run; #16 item 5). Each invoice is
   * claimed and priced under its own savepoint: one that cannot be finalized (refused by the
   * engine, no terms, outcomes claimed meanwhile) is reported and rolled back alone, the others
   * go on. Already finalized invoices answer as they are. Answers in input order.
   */
  async finalizeMany(p: Principal, ids: string[]): Promise<FinalizeManyResult[]> {
    const scope = scopeOf(p);
    // Row locks in one order, so that two batches over the same invoices queue instead of deadlocking.
    const order = [...new Set(ids)].sort();
    const byId = await this.db.transaction(async (em) => {
      const out = new Map<string, FinalizeManyResult>();
      const pending: Prepared[] = [];
      // One claim_xmin for the batch, before any of its claims: its invoices are frozen only at the
      // end, so none examines another's period as invoiced; each period's own claim saw everything
      // older than this, which is what the next late-outcome check relies on.
      const claimXmin = await this.repo.snapshotXmin(em);
      for (const id of order) {
        await em.query('SAVEPOINT finalize_one');
        try {
          const prepared = await this.prepareFinalization(em, scope, id, claimXmin);
          await em.query('RELEASE SAVEPOINT finalize_one');
          if ('view' in prepared) out.set(id, { invoiceId: id, invoice: prepared.view });
          else pending.push(prepared);
        } catch (e) {
          await em.query('ROLLBACK TO SAVEPOINT finalize_one');
          if (!(e instanceof DomainException) && !isUniqueViolationOn(e, 'invoice_outcomes')) throw e;
          const error =
            e instanceof DomainException
              ? { code: e.code, detail: e.detail ?? e.title }
              : { code: InvoicingErrorCode.INVOICE_OUTCOMES_CONFLICT, detail: 'some of its outcomes were billed by another invoice meanwhile' };
          out.set(id, { invoiceId: id, error });
        }
      }
      const withPosting = pending.filter((x) => x.posting);
      const entries = withPosting.length
        ? await this.ledger.postBatch(em, withPosting[0].inv.vendorId, withPosting.map((x) => x.posting!))
        : [];
      const entryOf = new Map(withPosting.map((x, i) => [x.inv.id, entries[i]]));
      for (const x of pending) out.set(x.inv.id, { invoiceId: x.inv.id, invoice: await this.completeFinalization(em, x, entryOf.get(x.inv.id) ?? null) });
      return out;
    });
    return ids.map((id) => byId.get(id)!);
  }

  /**
   * Everything of a finalization before its journal entry: the invoice locked, its outcomes
   * claimed, priced, numbered, and the entry to post. An invoice no longer a draft answers its view.
   */
  private async prepareFinalization(
    em: EntityManager,
    callerScope: Scope,
    id: string,
    batchClaimXmin?: string,
  ): Promise<Prepared | { view: InvoiceView }> {
    const inv = await this.lockInScope(em, callerScope, id);
    if (inv.status !== 'draft') return { view: await this.viewOf(em, inv) };
    // The claim keeps the period's outcomes for its two passes (record, aggregate) in memory
    // rather than spilling a million rows to disk; for this transaction only.
    await em.query(`SET LOCAL work_mem = '${FINALIZE_WORK_MEM}'`);
    // The caller may finalize this invoice; what it bills is the vendor's whole record.
    const scope = vendorScope(inv.vendorId);
    // Finalizations of one contract are serialized, so "billed before" is well defined for each.
    await this.repo.lockContractFinalizations(scope, inv.contractId, em);
    // Before any claim: what the claims cannot see was written at or after this (the next late-outcome check's start).
    const claimXmin = batchClaimXmin ?? (await this.repo.snapshotXmin(em));
    const contract = await this.contracts.findInScope(scope, inv.contractId, em);
    const period: BillingPeriod = { start: inv.periodStart, end: inv.periodEnd };
    const tv = await this.subjectOf(scope, contract, period, em);
    if (!tv) throw InvoicingError.create(InvoicingErrorCode.INVOICE_HAS_NO_TERMS, `no terms version before ${period.end}`);
    const subject = tv.subject;
    const earlier = tv.earlier;

    // The statements that aggregate the outcomes also record them: the invoice and its record agree.
    const input = await this.withSpendLimit(em, subject, await this.inputs.pricingInput(em, subject, { kind: 'claim', invoiceId: inv.id }, earlier));
    const result = priceInvoice(input);
    if (!result.ok)
      throw InvoicingError.create(InvoicingErrorCode.INVOICE_PRICING_REFUSED, result.reason, undefined, {
        pricingCode: result.code,
        pricingDetails: result.details,
      });

    const { year, at: finalizedAt } = await this.repo.newIdAndYear(contract.timezone, em);
    const number = await this.repo.nextNumber(scope, 'invoice', year, em);
    const decimals = minorUnits(contract.currency);
    const posting = invoicePosting({ customerId: inv.customerId, currency: contract.currency, lines: result.lines, tax: result.tax, total: result.total }, decimals);
    return {
      inv,
      scope,
      contract,
      termsVersionId: tv.id,
      result,
      spendLimit: input.spendLimit ?? null,
      number,
      finalizedAt,
      claimXmin,
      posting: posting.length
        ? {
            kind: 'invoice_finalized',
            reference: { type: 'invoice', id: inv.id },
            contractId: contract.id,
            customerId: inv.customerId,
            description: `Invoice ${number} for ${inv.periodLabel}`,
            effectiveAt: finalizedAt.toISOString(),
            lines: posting,
          }
        : null,
    };
  }

  /** Freezes a prepared finalization with its journal entry, and enqueues its webhooks. */
  private async completeFinalization(em: EntityManager, x: Prepared, entry: PostedEntry | null): Promise<InvoiceView> {
    const { inv, scope, contract, result, finalizedAt } = x;
    // Nothing to collect (a zero or negative total): paid on finalization, as Stripe does.
    const status = new Money(result.total).greaterThan(0) ? 'finalized' : 'paid';
    // Dated as the customer's calendar reads it: the local day of finalization in the contract's zone.
    const issueDate = localDate(finalizedAt, contract.timezone);
    await this.freeze(scope, em, inv, result, {
      number: x.number,
      status,
      finalizedAt,
      termsVersionId: x.termsVersionId,
      journalEntryId: entry?.id ?? null,
      issueDate,
      dueDate: addDays(issueDate, contract.paymentTermsDays),
      timeZone: contract.timezone,
      paymentTermsDays: contract.paymentTermsDays,
      poReference: contract.poReference,
      spendLimit: x.spendLimit,
      claimXmin: x.claimXmin,
    });

    const frozen = (await this.repo.find(scope, inv.id, {}, em))!;
    const view = await this.viewOf(em, frozen);
    await this.webhooks.enqueue(em, inv.vendorId, 'invoice.finalized', invoiceEventData(view));
    if (status === 'paid') await this.webhooks.enqueue(em, inv.vendorId, 'invoice.paid', invoiceEventData(view));
    return view;
  }

  private async freeze(
    scope: Scope,
    em: Queryable,
    inv: Invoice,
    priced: PricedInvoice,
    f: Pick<FrozenFields, 'number' | 'status' | 'finalizedAt' | 'termsVersionId' | 'journalEntryId' | 'issueDate' | 'dueDate' | 'timeZone' | 'paymentTermsDays' | 'poReference' | 'spendLimit' | 'claimXmin'>,
  ): Promise<void> {
    await this.repo.freeze(
      scope,
      inv.id,
      {
        ...f,
        subtotal: priced.subtotal,
        tax: priced.tax,
        total: priced.total,
        lines: priced.lines,
        traceJson: priced.traceJson,
        traceDigest: priced.traceDigest,
      },
      em,
    );
  }

  /**
   * The next gapless number of a kind for a vendor and year. The counter row stays locked until
   * the caller's transaction ends, so a rolled-back finalization never burns a number.
   */
  async nextNumber(em: Queryable, vendorId: string, kind: 'invoice' | 'credit_note', year: number): Promise<string> {
    return this.repo.nextNumber(vendorScope(vendorId), kind, year, em);
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  /** An invoice the caller may see, or 404; customers never see drafts. */
  async findVisible(p: Principal, id: string, em: Queryable = this.db.manager): Promise<Invoice> {
    const inv = await this.repo.find(scopeOf(p), id, {}, em);
    if (!inv) throw notFound('invoice', id);
    return inv;
  }

  /** The same, locked FOR UPDATE inside the caller's transaction. */
  async lockVisible(em: Queryable, p: Principal, id: string): Promise<Invoice> {
    return this.lockInScope(em, scopeOf(p), id);
  }

  private async lockInScope(em: Queryable, scope: Scope, id: string): Promise<Invoice> {
    const inv = await this.repo.find(scope, id, { lock: true }, em);
    if (!inv) throw notFound('invoice', id);
    return inv;
  }

  /**
   * Records the official tax invoice (fapiao) once the tax authority issued it. Once only: the
   * same record again answers the invoice (a retry), a different one is refused (409).
   */
  async recordTaxInvoice(p: Principal, id: string, dto: RecordTaxInvoiceDto): Promise<InvoiceView> {
    const scope = scopeOf(p);
    return this.db.transaction(async (em) => {
      const inv = await this.lockInScope(em, scope, id);
      if (inv.status === 'draft') throw InvoicingError.create(InvoicingErrorCode.INVOICE_NOT_FINALIZED, 'a tax invoice is issued for a finalized invoice');
      const inserted = await this.repo.insertTaxInvoice(scope, id, { number: dto.number, issuedOn: dto.issuedOn, recordedByKeyId: p.keyId }, em);
      const now = (await this.repo.find(scope, id, {}, em))!;
      if (!inserted && (now.taxInvoice?.number !== dto.number || now.taxInvoice?.issuedOn !== dto.issuedOn))
        throw InvoicingError.create(InvoicingErrorCode.TAX_INVOICE_ALREADY_RECORDED, `tax invoice ${now.taxInvoice?.number} is recorded for this invoice`);
      return this.viewOf(em, now);
    });
  }

  async get(p: Principal, id: string): Promise<InvoiceView> {
    const inv = await this.findVisible(p, id);
    const zones = await this.timezonesOf([inv]);
    return toInvoiceView(inv, (await this.settledOf(this.db.manager, inv.vendorId, [inv.id])).get(inv.id)!, zones.get(inv.contractId));
  }

  /** The timezone of each invoice's contract (the caller sees the invoice, so its contract's zone). */
  private async timezonesOf(invs: Invoice[]): Promise<Map<string, string>> {
    if (invs.length === 0) return new Map();
    // One query for the page: the contracts' read model that outcome answers use for the same field.
    return this.contractReads.timezones(vendorScope(invs[0].vendorId), [...new Set(invs.map((i) => i.contractId))], this.db.manager);
  }

  async list(p: Principal, q: InvoiceListQuery): Promise<Page<InvoiceView>> {
    const scope = scopeOf(p);
    const limit = q.limit ?? 50;
    const { rows, more } = pageOf(
      await this.repo.list(scope, {
        contractId: q.contractId,
        customerId: q.customerId,
        period: q.period,
        status: q.status,
        before: q.cursor ? decodeCursor(q.cursor) : undefined,
        limit,
      }),
      limit,
    );
    const settled = await this.repo.settled(scope, rows.map((i) => i.id));
    const zones = await this.timezonesOf(rows);
    return { data: rows.map((i) => toInvoiceView(i, settled.get(i.id)!, zones.get(i.contractId))), nextCursor: more ? encodeCursor(rows[rows.length - 1].id) : null };
  }

  /** The invoice's view with the amounts paid and credited so far. */
  async viewOf(em: Queryable, inv: Invoice): Promise<InvoiceView> {
    return toInvoiceView(inv, (await this.settledOf(em, inv.vendorId, [inv.id])).get(inv.id)!);
  }

  /** Amounts paid and credited, derived from payments and credit notes (never stored on the invoice). */
  async settledOf(em: Queryable, vendorId: string, ids: string[]): Promise<Map<string, Settled>> {
    return this.repo.settled(vendorScope(vendorId), ids, em);
  }

  /** The first finalized invoice of a contract, if any. */
  async firstFinalizedId(vendorId: string, contractId: string): Promise<string | null> {
    return this.repo.firstFinalizedId(vendorScope(vendorId), contractId);
  }

  // -------------------------------------------------------------------------------------------
  // Reproduction

  /** Re-prices a finalized invoice from the outcomes it recorded and its frozen terms version. */
  async verify(p: Principal, id: string): Promise<InvoiceVerification> {
    // One read-only snapshot: the record, the outcomes and the invoice agree while others write.
    return this.db.transaction('REPEATABLE READ', async (em) => {
      await em.query('SET TRANSACTION READ ONLY');
      await em.query(`SET LOCAL work_mem = '${FINALIZE_WORK_MEM}'`);
      return this.verifyIn(em, p, id);
    });
  }

  private async verifyIn(em: EntityManager, p: Principal, id: string): Promise<InvoiceVerification> {
    const inv = await this.findVisible(p, id, em);
    if (inv.status === 'draft' || !inv.traceJson || !inv.traceDigest || !inv.termsVersionId || !inv.finalizedAt)
      throw InvoicingError.create(InvoicingErrorCode.INVOICE_NOT_FINALIZED, 'only a finalized invoice can be reproduced');
    // The caller may see this invoice; re-pricing reads the vendor's whole record, as finalizing did.
    const scope = vendorScope(inv.vendorId);
    const contract = await this.contracts.findInScope(scope, inv.contractId, em);
    const period = { start: inv.periodStart, end: inv.periodEnd };
    // The version the invoice froze; a split period's stretches cannot change once it is invoiced
    // (no amendment may take effect inside it).
    const inForce = await this.inputs.termsOfPeriod(scope, contract.id, period, em);
    const tv = inForce?.versions.find((v) => v.id === inv.termsVersionId);
    if (!inForce || !tv) throw new Error(`invoice ${inv.id}: its terms version ${inv.termsVersionId} is not among the contract's`);
    const subject: BillingSubject = { scope, contract, period, terms: tv.document as Terms, stretches: inForce.stretches };
    const earlier = await this.inputs.invoicedPeriodsBefore(scope, contract.id, inv.periodStart, em, inForce.versions);
    const kpiIds = [
      ...new Set(
        (inv.trace?.lines ?? []).map((l) => l.guarantee?.measurementId).filter((m): m is string => typeof m === 'string'),
      ),
    ];
    const input = await this.inputs.pricingInput(
      em,
      subject,
      { kind: 'recorded', invoiceId: inv.id, billedBefore: inv.finalizedAt },
      earlier,
      kpiIds,
    );
    // The limit the invoice recorded, not the controls as they stand now.
    const result: PricingResult = priceInvoice(inv.spendLimit ? { ...input, spendLimit: inv.spendLimit } : input);
    const outcomes = await this.repo.recordedCounts(scope, inv.id, em);
    const recomputed = result.ok ? result.traceDigest : null;
    const mismatches = result.ok ? storedFigureMismatches(inv, result) : [];
    return {
      invoiceId: inv.id,
      number: inv.number!,
      storedDigest: inv.traceDigest,
      recomputedDigest: recomputed,
      matches: result.ok && mismatches.length === 0,
      mismatches,
      outcomes,
      termsVersionId: inv.termsVersionId,
      ...(result.ok ? {} : { detail: result.reason }),
    };
  }
}
