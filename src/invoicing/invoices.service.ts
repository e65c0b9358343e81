import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError, Repository } from 'typeorm';
import { principalSeesContract, scopeToPrincipal } from '../auth/contract-scope';
import type { Principal } from '../auth/principal';
import { notFound } from '../common/errors/common.errors';
import { Page, paginate } from '../common/http/pagination';
import { Money } from '../common/money';
import { ContractsService } from '../contracts/contracts.service';
import { Contract } from '../contracts/entities/contract.entity';
import { TermsVersion } from '../contracts/entities/terms-version.entity';
import { LedgerService } from '../ledger/ledger.service';
import { minorUnits } from '../pricing/currency';
import { priceInvoice } from '../pricing/engine';
import { periodForCycle } from '../pricing/period';
import type { BillingPeriod, PricedInvoice, PricingResult, Terms } from '../pricing/types';
import { WebhooksService } from '../webhooks/webhooks.service';
import { BillingInputsRepository, BillingSubject } from './billing-inputs.repository';
import { InvoiceListQuery, InvoiceVerification, InvoiceView } from './dto/invoice.dto';
import { Invoice } from './entities/invoice.entity';
import { amountDue, invoicePosting } from './invoice-math';
import { InvoicingError, InvoicingErrorCode } from './invoicing.errors';

export type DraftOutcome = 'drafted' | 'refused' | 'already_finalized';

interface Settled {
  paid: string;
  credited: string;
}

/** Money of an invoice in its currency's minor unit ("250000" → "250000.00"). */
export function moneyOf(v: string | null, currency: string): string | null {
  return v === null ? null : new Money(v).toFixed(minorUnits(currency));
}

export function toInvoiceView(i: Invoice, s: Settled): InvoiceView {
  const m = (v: string) => moneyOf(v, i.currency)!;
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
    createdAt: i.createdAt.toISOString(),
  };
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
    @InjectRepository(Invoice) private readonly invoices: Repository<Invoice>,
    private readonly contracts: ContractsService,
    private readonly inputs: BillingInputsRepository,
    private readonly ledger: LedgerService,
    private readonly webhooks: WebhooksService,
  ) {}

  // -------------------------------------------------------------------------------------------
  // Drafts

  /**
   * Creates or recomputes the draft of a contract for a period. A finalized invoice is left as it
   * is; the unique key (contract, period start) keeps it to one invoice per contract and period,
   * however many runs race.
   */
  async refreshDraft(vendorId: string, contract: Contract, label: string): Promise<{ outcome: DraftOutcome; invoiceId: string | null }> {
    const period = periodForCycle(contract, label);
    const em = this.db.manager;
    const [existing] = await em.query(`SELECT id, status FROM invoices WHERE vendor_id = $1 AND contract_id = $2 AND period_start = $3`, [
      vendorId,
      contract.id,
      period.start,
    ]);
    if (existing && existing.status !== 'draft') return { outcome: 'already_finalized', invoiceId: existing.id };
    const tv = await this.contracts.termsForPeriod(vendorId, contract.id, period.end, em);
    if (!tv) throw InvoicingError.create(InvoicingErrorCode.INVOICE_HAS_NO_TERMS, `contract ${contract.id} has no terms before ${period.end}`);
    const subject: BillingSubject = { vendorId, contract, period, terms: tv.document };
    const earlier = await this.inputs.invoicedPeriodsBefore(em, vendorId, contract.id, period.start);
    const result = priceInvoice(await this.inputs.pricingInput(em, subject, { kind: 'open' }, earlier));
    const priced = result.ok ? result : null;
    const rows: Array<{ id: string }> = await em.query(
      `INSERT INTO invoices (vendor_id, contract_id, customer_id, period_label, period_start, period_end, status, currency,
                             terms_version_id, subtotal, tax, total, lines, trace, trace_json, trace_digest, refusal, computed_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $10, $11, $12::jsonb, $13::jsonb, $14, $15, $16::jsonb, clock_timestamp())
       ON CONFLICT (vendor_id, contract_id, period_start) DO UPDATE SET
         customer_id = EXCLUDED.customer_id, period_label = EXCLUDED.period_label, period_end = EXCLUDED.period_end,
         currency = EXCLUDED.currency, terms_version_id = EXCLUDED.terms_version_id, subtotal = EXCLUDED.subtotal,
         tax = EXCLUDED.tax, total = EXCLUDED.total, lines = EXCLUDED.lines, trace = EXCLUDED.trace,
         trace_json = EXCLUDED.trace_json, trace_digest = EXCLUDED.trace_digest, refusal = EXCLUDED.refusal,
         computed_at = EXCLUDED.computed_at
       WHERE invoices.status = 'draft'
       RETURNING id`,
      [
        vendorId,
        contract.id,
        contract.customerId,
        label,
        period.start,
        period.end,
        contract.currency,
        tv.id,
        priced?.subtotal ?? null,
        priced?.tax ?? null,
        priced?.total ?? null,
        JSON.stringify(priced?.lines ?? []),
        priced ? priced.traceJson : null,
        priced?.traceJson ?? null,
        priced?.traceDigest ?? null,
        result.ok ? null : JSON.stringify({ code: result.code, reason: result.reason, details: result.details }),
      ],
    );
    if (rows.length === 0) {
      const [now] = await em.query(`SELECT id FROM invoices WHERE vendor_id = $1 AND contract_id = $2 AND period_start = $3`, [
        vendorId,
        contract.id,
        period.start,
      ]);
      return { outcome: 'already_finalized', invoiceId: now?.id ?? null };
    }
    return { outcome: result.ok ? 'drafted' : 'refused', invoiceId: rows[0].id };
  }

  // -------------------------------------------------------------------------------------------
  // Finalization

  /**
   * Finalizes a draft; finalizing a finalized invoice answers it as it is (idempotent: same number,
   * no second journal entry). A concurrent claim of the same late outcome by another invoice is
   * retried once.
   */
  async finalize(p: Principal, id: string): Promise<InvoiceView> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.finalizeOnce(p, id);
      } catch (e) {
        if (!isUniqueViolationOn(e, 'invoice_outcomes')) throw e;
        if (attempt >= 2)
          throw InvoicingError.create(InvoicingErrorCode.INVOICE_OUTCOMES_CONFLICT, 'some of its outcomes were billed by another invoice meanwhile');
      }
    }
  }

  private async finalizeOnce(p: Principal, id: string): Promise<InvoiceView> {
    return this.db.transaction(async (em) => {
      const inv = await this.lockVisible(em, p, id);
      if (inv.status !== 'draft') return this.viewOf(em, inv);
      // Finalizations of one contract are serialized, so "billed before" is well defined for each.
      await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`ol:invoicing:${inv.vendorId}:${inv.contractId}`]);
      const contract = await em.findOneByOrFail(Contract, { vendorId: inv.vendorId, id: inv.contractId });
      const period: BillingPeriod = { start: inv.periodStart, end: inv.periodEnd };
      const tv = await this.contracts.termsForPeriod(inv.vendorId, contract.id, period.end, em);
      if (!tv) throw InvoicingError.create(InvoicingErrorCode.INVOICE_HAS_NO_TERMS, `no terms version before ${period.end}`);
      const subject: BillingSubject = { vendorId: inv.vendorId, contract, period, terms: tv.document };
      const earlier = await this.inputs.invoicedPeriodsBefore(em, inv.vendorId, contract.id, period.start);

      // The statements that aggregate the outcomes also record them: the invoice and its record agree.
      const input = await this.inputs.pricingInput(em, subject, { kind: 'claim', invoiceId: inv.id }, earlier);
      const result = priceInvoice(input);
      if (!result.ok)
        throw InvoicingError.create(InvoicingErrorCode.INVOICE_PRICING_REFUSED, result.reason, undefined, {
          pricingCode: result.code,
          pricingDetails: result.details,
        });

      const [{ year, at }] = await em.query(
        `SELECT extract(year FROM clock_timestamp() AT TIME ZONE $1)::int AS year, clock_timestamp() AS at`,
        [contract.timezone],
      );
      const number = await this.nextNumber(em, inv.vendorId, 'invoice', year);
      const finalizedAt: Date = at;
      const decimals = minorUnits(contract.currency);
      const posting = invoicePosting({ customerId: inv.customerId, currency: contract.currency, lines: result.lines, tax: result.tax, total: result.total }, decimals);
      const entry = posting.length
        ? await this.ledger.post(em, inv.vendorId, {
            kind: 'invoice_finalized',
            reference: { type: 'invoice', id: inv.id },
            contractId: contract.id,
            customerId: inv.customerId,
            description: `Invoice ${number} for ${inv.periodLabel}`,
            effectiveAt: finalizedAt.toISOString(),
            lines: posting,
          })
        : null;
      // Nothing to collect (a zero or negative total): paid on finalization, as Stripe does.
      const status = new Money(result.total).greaterThan(0) ? 'finalized' : 'paid';
      await this.freeze(em, inv, result, { number, status, finalizedAt, termsVersionId: tv.id, journalEntryId: entry?.id ?? null });

      const frozen = await em.findOneByOrFail(Invoice, { vendorId: inv.vendorId, id: inv.id });
      const view = await this.viewOf(em, frozen);
      await this.webhooks.enqueue(em, inv.vendorId, 'invoice.finalized', invoiceEventData(view));
      if (status === 'paid') await this.webhooks.enqueue(em, inv.vendorId, 'invoice.paid', invoiceEventData(view));
      return view;
    });
  }

  private async freeze(
    em: EntityManager,
    inv: Invoice,
    priced: PricedInvoice,
    f: { number: string; status: 'finalized' | 'paid'; finalizedAt: Date; termsVersionId: string; journalEntryId: string | null },
  ): Promise<void> {
    await em.query(
      `UPDATE invoices SET status = $3, number = $4, terms_version_id = $5, subtotal = $6, tax = $7, total = $8,
              lines = $9::jsonb, trace = $10::jsonb, trace_json = $14::text, trace_digest = $11, refusal = NULL,
              computed_at = $12, finalized_at = $12, journal_entry_id = $13
        WHERE vendor_id = $1 AND id = $2 AND status = 'draft'`,
      [
        inv.vendorId,
        inv.id,
        f.status,
        f.number,
        f.termsVersionId,
        priced.subtotal,
        priced.tax,
        priced.total,
        JSON.stringify(priced.lines),
        priced.traceJson,
        priced.traceDigest,
        f.finalizedAt,
        f.journalEntryId,
        priced.traceJson,
      ],
    );
  }

  /**
   * The next gapless number of a kind for a vendor and year. The counter row stays locked until
   * the caller's transaction ends, so a rolled-back finalization never burns a number.
   */
  async nextNumber(em: EntityManager, vendorId: string, kind: 'invoice' | 'credit_note', year: number): Promise<string> {
    const [row] = await em.query(
      `INSERT INTO document_number_counters (vendor_id, kind, year, last_value) VALUES ($1, $2, $3, 1)
       ON CONFLICT (vendor_id, kind, year) DO UPDATE SET last_value = document_number_counters.last_value + 1
       RETURNING last_value::text AS n`,
      [vendorId, kind, year],
    );
    return `${kind === 'invoice' ? 'INV' : 'CN'}-${year}-${String(row.n).padStart(6, '0')}`;
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  /** An invoice the caller may see, or 404; customers never see drafts. */
  async findVisible(p: Principal, id: string, em: EntityManager = this.invoices.manager): Promise<Invoice> {
    const inv = await em.findOneBy(Invoice, { vendorId: p.vendorId, id });
    if (!inv || !this.sees(p, inv)) throw notFound('invoice', id);
    return inv;
  }

  /** The same, locked FOR UPDATE inside the caller's transaction. */
  async lockVisible(em: EntityManager, p: Principal, id: string): Promise<Invoice> {
    const inv = await em.findOne(Invoice, { where: { vendorId: p.vendorId, id }, lock: { mode: 'pessimistic_write' } });
    if (!inv || !this.sees(p, inv)) throw notFound('invoice', id);
    return inv;
  }

  private sees(p: Principal, inv: Invoice): boolean {
    if (!principalSeesContract(p, { vendorId: inv.vendorId, id: inv.contractId, customerId: inv.customerId })) return false;
    return p.role !== 'customer' || inv.status !== 'draft';
  }

  async get(p: Principal, id: string): Promise<InvoiceView> {
    return this.viewOf(this.invoices.manager, await this.findVisible(p, id));
  }

  async list(p: Principal, q: InvoiceListQuery): Promise<Page<InvoiceView>> {
    const qb = this.invoices.createQueryBuilder('i');
    scopeToPrincipal(qb, p, { vendorId: 'i.vendor_id', contractId: 'i.contract_id', customerId: 'i.customer_id' });
    if (p.role === 'customer') qb.andWhere(`i.status <> 'draft'`);
    if (q.contractId) qb.andWhere('i.contract_id = :contractId', { contractId: q.contractId });
    if (q.customerId) qb.andWhere('i.customer_id = :customerId', { customerId: q.customerId });
    if (q.period) qb.andWhere('i.period_label = :period', { period: q.period });
    if (q.status) qb.andWhere('i.status = :status', { status: q.status });
    const page = await paginate(qb, 'i', q, (i) => i);
    const settled = await this.settledOf(this.invoices.manager, p.vendorId, page.data.map((i) => i.id));
    return { data: page.data.map((i) => toInvoiceView(i, settled.get(i.id)!)), nextCursor: page.nextCursor };
  }

  async viewOf(em: EntityManager, inv: Invoice): Promise<InvoiceView> {
    return toInvoiceView(inv, (await this.settledOf(em, inv.vendorId, [inv.id])).get(inv.id)!);
  }

  /** Amounts paid and credited, derived from payments and credit notes (never stored on the invoice). */
  async settledOf(em: EntityManager, vendorId: string, ids: string[]): Promise<Map<string, Settled>> {
    const out = new Map<string, Settled>(ids.map((id) => [id, { paid: '0', credited: '0' }]));
    if (ids.length === 0) return out;
    const rows: Array<{ id: string; paid: string; credited: string }> = await em.query(
      `SELECT i.id,
              (SELECT COALESCE(sum(amount), 0) FROM payments p WHERE p.vendor_id = i.vendor_id AND p.invoice_id = i.id)::text AS paid,
              (SELECT COALESCE(sum(total), 0) FROM credit_notes c WHERE c.vendor_id = i.vendor_id AND c.invoice_id = i.id)::text AS credited
         FROM invoices i WHERE i.vendor_id = $1 AND i.id = ANY($2::uuid[])`,
      [vendorId, ids],
    );
    for (const r of rows) out.set(r.id, { paid: r.paid, credited: r.credited });
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Reproduction

  /** Re-prices a finalized invoice from the outcomes it recorded and its frozen terms version. */
  async verify(p: Principal, id: string): Promise<InvoiceVerification> {
    const em = this.invoices.manager;
    const inv = await this.findVisible(p, id);
    if (inv.status === 'draft' || !inv.traceJson || !inv.traceDigest || !inv.termsVersionId || !inv.finalizedAt)
      throw InvoicingError.create(InvoicingErrorCode.INVOICE_NOT_FINALIZED, 'only a finalized invoice can be reproduced');
    const contract = await em.findOneByOrFail(Contract, { vendorId: inv.vendorId, id: inv.contractId });
    const tv = await em.findOneByOrFail(TermsVersion, { vendorId: inv.vendorId, id: inv.termsVersionId });
    const subject: BillingSubject = { vendorId: inv.vendorId, contract, period: { start: inv.periodStart, end: inv.periodEnd }, terms: tv.document as Terms };
    const earlier = await this.inputs.invoicedPeriodsBefore(em, inv.vendorId, contract.id, inv.periodStart);
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
    const result: PricingResult = priceInvoice(input);
    const counts: Array<{ effect: number; n: string }> = await em.query(
      `SELECT effect, count(*)::text AS n FROM invoice_outcomes WHERE vendor_id = $1 AND invoice_id = $2 GROUP BY effect`,
      [inv.vendorId, inv.id],
    );
    const count = (effect: number) => Number(counts.find((c) => Number(c.effect) === effect)?.n ?? '0');
    const recomputed = result.ok ? result.traceDigest : null;
    return {
      invoiceId: inv.id,
      number: inv.number!,
      storedDigest: inv.traceDigest,
      recomputedDigest: recomputed,
      matches: recomputed === inv.traceDigest && result.ok && result.traceJson === inv.traceJson,
      outcomes: { billed: count(1), reversed: count(-1) },
      termsVersionId: inv.termsVersionId,
      ...(result.ok ? {} : { detail: result.reason }),
    };
  }
}
