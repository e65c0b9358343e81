import { Injectable } from '@nestjs/common';
import { ExportLogService } from '../audit/export-log.service';
import type { Principal } from '../auth/principal';
import { type Scope, scopeOf, vendorScope } from '../auth/scope';
import { notFound } from '../common/errors/common.errors';
import { Money } from '../common/money';
import { ContractReportReads, type ReportContractRow, type ReportTermsRow } from '../contracts/report.reads';
import { InvoiceReportReads, type StatementLineOfInvoice } from '../invoicing/report.reads';
import { localDateTime } from '../kernel/calendar';
import { acceptanceRate } from '../outcomes/acceptance-rate';
import { OutcomeFiguresRepository, type StatementLineRow, type StatementOutcomes } from '../outcomes/outcome-figures.repository';
import { localDate } from '../outcomes/outcome-rules';
import { VendorsRepository } from '../parties/vendors.repository';
import { LedgerService } from '../ledger/ledger.service';
import { CustomersRepository } from '../parties/customers.repository';
import { describeItem, type ValueBasisItem } from '../contracts/value-basis';
import { type BasisMonth, DeliveredValueService, inForceDuring } from '../outcomes/delivered-value.service';
import type {
  AcceptanceView,
  ContractRoiView,
  CustomerRoiView,
  FeesView,
  GuaranteeResultView,
  OutcomeLineView,
  PortfolioQuery,
  PortfolioView,
  QuarterRoiView,
  RangeQuery,
  ReportFormat,
  RoiMonthView,
  RoiReportView,
  StatementInvoiceLineView,
  StatementReconciliationView,
  StatementView,
  ValueBasisVersionView,
} from './dto/reports.dto';
import {
  judgedTypesOf,
  money,
  monthsBetween,
  nextMonthStart,
  paybackMonth,
  ROI_BAND_ORDER,
  roiBand,
  roiPercent,
  schemeOf,
  shareRateOf,
  valueTypesOf,
  type ValueType,
} from './report-rules';
import { ReportError, ReportErrorCode } from './reports.errors';

const LIST_LIMIT = 1000;
const MAX_MONTHS = 120;

/** A contract with its customer's name. */
interface ContractRow extends ReportContractRow {
  customer_name: string;
}

const NO_VALUE_BASIS = 'no value basis declared';

/** `contractId month` of the months that have fees invoiced: a licence's units are valued only where they are billed. */
function invoicedMonths(fees: ReadonlyArray<{ contractId: string; month: string }>): Set<string> {
  return new Set(fees.map((f) => `${f.contractId} ${f.month}`));
}

/** measured, estimated, both (never mixed silently: the report gives each apart), or null without a basis. */
function valueKindOf(items: readonly ValueBasisItem[]): 'measured' | 'estimated' | 'measured and estimated' | null {
  const m = items.some((i) => !i.estimated);
  const e = items.some((i) => i.estimated);
  return m && e ? 'measured and estimated' : m ? 'measured' : e ? 'estimated' : null;
}

/** The basis versions a report used, each once, in contract and date order. */
function usedVersions(months: readonly BasisMonth[]): ValueBasisVersionView[] {
  const seen = new Map<string, ValueBasisVersionView>();
  for (const b of months) {
    const key = `${b.contractId} ${b.version.id ?? 'terms'} ${b.version.effective_from}`;
    if (!seen.has(key))
      seen.set(key, {
        contractId: b.contractId,
        id: b.version.id,
        source: b.version.id ? 'declared' : 'terms',
        effectiveFrom: b.version.effective_from,
        description: b.version.description,
        items: b.version.items.map((i) => ({ ...i, unitValue: i.unitValue ?? null, baseline: i.baseline ?? null, text: describeItem(i) })),
      });
  }
  return [...seen.values()];
}

/** Calendar quarters of the months, in order: `2026-Q1` → its months in the range. */
function quartersOf(months: readonly string[]): Array<{ quarter: string; months: string[] }> {
  const out: Array<{ quarter: string; months: string[] }> = [];
  for (const m of months) {
    const q = `${m.slice(0, 4)}-Q${Math.floor((parseInt(m.slice(5, 7), 10) - 1) / 3) + 1}`;
    if (out.at(-1)?.quarter === q) out.at(-1)!.months.push(m);
    else out.push({ quarter: q, months: [m] });
  }
  return out;
}

/** One month of one contract: the terms in force and the value types they declare. */
interface MonthSlot {
  contractId: string;
  month: string;
  start: string;
  end: string;
  tz: string;
  types: ValueType[];
}

/**
 * Statements, ROI reports and the vendor portfolio. Every figure is aggregated in SQL (numeric),
 * joined in code as Decimal and returned as strings; every read is scoped to the caller's vendor
 * and, for customer and auditor keys, to the contracts they may see.
 */
@Injectable()
export class ReportsService {
  constructor(
    private readonly contracts: ContractReportReads,
    private readonly customers: CustomersRepository,
    private readonly vendors: VendorsRepository,
    private readonly outcomes: OutcomeFiguresRepository,
    private readonly invoices: InvoiceReportReads,
    private readonly exportLog: ExportLogService,
    private readonly ledger: LedgerService,
    private readonly delivered: DeliveredValueService,
  ) {}

  // -------------------------------------------------------------------------------------------
  // Savings-share statement

  async statement(p: Principal, contractId: string, label: string, format: ReportFormat): Promise<StatementView> {
    const scope = scopeOf(p);
    const c = await this.visibleContract(scope, contractId);
    const start = `${label}-01`;
    const end = nextMonthStart(label);
    const tv = inForceDuring(await this.contracts.termsVersions(scope, [c.id]), label);
    if (!tv || end <= c.starts_on || (c.ends_on && start > c.ends_on))
      throw ReportError.create(ReportErrorCode.PERIOD_OUTSIDE_CONTRACT, `the contract runs from ${c.starts_on}${c.ends_on ? ` to ${c.ends_on}` : ''}`, [
        { field: 'period', message: 'must be a month of the contract' },
      ]);
    await this.exportLog.record(p, { kind: 'statement', format, contractId: c.id, customerId: c.customer_id, params: { period: label } });
    const terms = tv.document;
    const types = valueTypesOf(terms);
    const cur = c.currency;

    const slot: MonthSlot = { contractId: c.id, month: label, start, end, tz: c.timezone, types };
    const [value] = await this.monthlyValue(scope, [slot]);
    const verifiedValue = new Money(value?.value ?? '0');

    // The period's invoice: customers see issued invoices only (drafts are the vendor's work in progress).
    const inv = await this.invoices.statementInvoice(scope, c.id, start, p.role === 'customer');
    const zero = new Money(0);
    const flat = new Money(inv?.flat ?? 0);
    const share = new Money(inv?.share ?? 0);
    const other = new Money(inv?.other ?? 0);
    const credited = new Money(inv?.credited ?? 0);
    const fees = inv ? flat.plus(share).plus(other).minus(credited) : zero;
    const feesView: FeesView = { flat: money(flat, cur), share: money(share, cur), other: money(other, cur), credited: money(credited, cur), net: money(fees, cur) };

    // Year to date: from January (or the contract's start) to the end of this period.
    const yearStart = `${label.slice(0, 4)}-01-01` < c.starts_on ? c.starts_on : `${label.slice(0, 4)}-01-01`;
    const ytdMonths = monthsBetween(yearStart.slice(0, 7), label);
    const ytdSlots = await this.slots(scope, [c], ytdMonths);
    const ytdValue = (await this.monthlyValue(scope, ytdSlots)).reduce((acc, r) => acc.plus(r.value), zero);
    const ytdFeesRows = await this.invoices.monthlyFees(scope, [c.id], `${ytdMonths[0]}-01`, end, inv?.status === 'draft' ? inv.id : null);
    const ytdFees = ytdFeesRows.reduce((acc, r) => acc.plus(r.fees), zero);

    const typeNames = types.map((t) => t.type);
    const month: StatementOutcomes = {
      contractId: c.id,
      types: typeNames,
      perUnit: Object.fromEntries(types.map((t) => [t.type, t.perUnit])),
      start,
      end,
      timezone: c.timezone,
    };
    const verifiedRows = await this.outcomes.statementLines(scope, month, ['verified'], LIST_LIMIT);
    const pendingRows = await this.outcomes.statementLines(scope, month, ['recorded', 'disputed'], LIST_LIMIT);
    const pending = await this.outcomes.pendingByStatus(scope, month);
    const pendingOf = (s: string) => {
      const r = pending.find((x) => x.status === s);
      return { count: r?.n ?? 0, value: money(r?.value ?? '0', cur) };
    };
    const line = (r: StatementLineRow): OutcomeLineView => ({
      id: r.id,
      externalId: r.external_id,
      type: r.type,
      value: money(r.value, cur),
      occurredAt: r.occurred_at,
      occurredAtLocal: localDateTime(r.occurred_at, c.timezone),
      status: r.status,
      verifiedAt: r.verified_at,
      verifiedAtLocal: r.verified_at ? localDateTime(r.verified_at, c.timezone) : null,
      verifiedBy: r.verified_by,
      deemedAt: r.deemed_at,
      evidenceSha256: r.evidence_sha256,
    });

    const reconciliation = await this.reconcile(scope, c, month, terms, inv?.status === 'draft' ? null : (inv?.id ?? null), inv?.id ?? null);
    const vendor = await this.vendors.findOne(vendorScope(scope.vendorId));
    const generatedAt = new Date();
    return {
      contractId: c.id,
      contractName: c.name,
      customerId: c.customer_id,
      customerName: c.customer_name,
      vendorName: vendor ? (vendor.legal_name ?? vendor.name) : '',
      timezone: c.timezone,
      currency: cur,
      period: label,
      periodStart: start,
      periodEnd: end,
      valueOutcomeTypes: typeNames,
      shareRate: shareRateOf(terms),
      verifiedValue: money(verifiedValue, cur),
      invoiceStatus: inv?.status ?? 'not_invoiced',
      invoiceId: inv?.id ?? null,
      invoiceNumber: inv?.number ?? null,
      fees: feesView,
      tax: money(inv?.tax ?? '0', cur),
      netBenefit: money(verifiedValue.minus(fees), cur),
      roiPercent: roiPercent(verifiedValue, fees),
      yearToDate: {
        from: ytdMonths[0],
        to: label,
        verifiedValue: money(ytdValue, cur),
        fees: money(ytdFees, cur),
        netBenefit: money(ytdValue.minus(ytdFees), cur),
        roiPercent: roiPercent(ytdValue, ytdFees),
      },
      verifiedOutcomes: verifiedRows.map(line),
      verifiedOutcomeCount: value?.count ?? 0,
      verifiedBy: await this.outcomes.verifiedByHow(scope, month),
      awaitingVerification: pendingOf('recorded'),
      inDispute: pendingOf('disputed'),
      pendingOutcomes: pendingRows.map(line),
      invoiceLines: reconciliation.invoiceLines,
      reconciliation: reconciliation.view,
      generatedAt: generatedAt.toISOString(),
      generatedAtLocal: localDateTime(generatedAt, c.timezone),
      // The customer keeps it: a later POST /v1/ledger/verify (or a bundle) proves the books were not rewritten since.
      ledgerCheckpoint: await this.ledger.checkpoint(scope.vendorId),
    };
  }

  /**
   * The share explained line by line. `issuedId` is the period's issued invoice (later adjustments
   * only correct what an issued invoice billed); `invoiceId` may be a draft the vendor is looking at.
   */
  private async reconcile(
    scope: Scope,
    c: ContractRow,
    month: StatementOutcomes,
    terms: ReportTermsRow['document'],
    issuedId: string | null,
    invoiceId: string | null,
  ): Promise<{ invoiceLines: StatementInvoiceLineView[]; view: StatementReconciliationView }> {
    const cur = c.currency;
    const zero = new Money(0);
    const lineView = (l: StatementLineOfInvoice): StatementInvoiceLineView => ({
      invoiceNumber: l.invoice_number ?? 'draft',
      invoicePeriod: l.invoice_period,
      key: l.key,
      componentType: l.component_type,
      kind: l.kind,
      description: l.description,
      quantity: l.quantity,
      amount: money(l.amount, cur),
      adjustmentKind: l.adjustment_kind,
      adjustsPeriod: l.adjusts_period_start ? l.adjusts_period_start.slice(0, 7) : null,
    });
    const lines = invoiceId ? await this.invoices.linesOf(scope, invoiceId) : [];
    const later = issuedId ? await this.invoices.laterAdjustments(scope, c.id, month.start) : [];
    const notes = invoiceId ? await this.invoices.creditNotesOf(scope, invoiceId) : [];
    const isShare = (l: StatementLineOfInvoice) => l.component_type === 'value_share';
    const own = lines.filter((l) => isShare(l) && l.kind !== 'adjustment');
    const carried = lines.filter((l) => l.kind === 'adjustment');
    const laterShare = later.filter(isShare);
    const sum = (ls: StatementLineOfInvoice[], f: (l: StatementLineOfInvoice) => string) => ls.reduce((acc, l) => acc.plus(f(l)), zero);
    const invoicedValue = sum(own, (l) => l.quantity);
    const shareOfPeriod = sum(own, (l) => l.amount);
    const valueBilledToDate = invoicedValue.plus(sum(laterShare, (l) => l.quantity));
    // Disputed outcomes stay billed until a reversal takes them back, so they count with the verified.
    const shareTypes = [...new Set(terms.components.flatMap((k) => (k.type === 'value_share' ? [k.outcomeType] : [])))];
    const shareMonth: StatementOutcomes = { ...month, types: shareTypes, perUnit: {} };
    const [now] = shareTypes.length
      ? await this.outcomes.valueByStatus(scope, shareMonth, ['verified', 'disputed'])
      : [{ value: '0' }];
    const verifiedOrDisputed = new Money(now?.value ?? '0');
    return {
      invoiceLines: lines.map(lineView),
      view: {
        invoicedValue: money(invoicedValue, cur),
        shareOfPeriod: money(shareOfPeriod, cur),
        carriedAdjustments: carried.map(lineView),
        shareOnInvoice: money(shareOfPeriod.plus(sum(carried.filter(isShare), (l) => l.amount)), cur),
        laterAdjustments: later.map(lineView),
        creditNotes: notes.map((n) => ({
          number: n.number,
          reason: n.reason,
          amount: money(n.subtotal, cur),
          share: money(n.share, cur),
          createdAt: n.created_at,
          createdAtLocal: localDateTime(n.created_at, c.timezone),
        })),
        valueBilledToDate: money(valueBilledToDate, cur),
        shareBilledToDate: money(shareOfPeriod.plus(sum(laterShare, (l) => l.amount)), cur),
        verifiedOrDisputedValue: money(verifiedOrDisputed, cur),
        notYetInvoicedValue: money(verifiedOrDisputed.minus(valueBilledToDate), cur),
      },
    };
  }

  // -------------------------------------------------------------------------------------------
  // ROI

  async contractRoi(p: Principal, contractId: string, q: RangeQuery, format: ReportFormat): Promise<RoiReportView> {
    const scope = scopeOf(p);
    const row = await this.visibleContract(scope, contractId);
    const range = this.range(q, row.starts_on, row.timezone);
    await this.exportLog.record(p, { kind: 'roi', format, contractId: row.id, customerId: row.customer_id, params: { from: range.from, to: range.to } });
    return this.roi(scope, [row], range, 'contract');
  }

  async customerRoi(p: Principal, customerId: string, q: RangeQuery, format: ReportFormat): Promise<CustomerRoiView> {
    const scope = scopeOf(p);
    const customer = await this.customers.findOne(scope, customerId);
    if (!customer) throw notFound('customer', customerId);
    const rows = await this.contractRows(scope, { customerId });
    if (rows.length === 0) throw notFound('customer', customerId); // an auditor granted none of its contracts
    const earliest = rows.map((r) => r.starts_on).sort()[0];
    const range = this.range(q, earliest, rows[0].timezone);
    await this.exportLog.record(p, { kind: 'roi', format, customerId, params: { from: range.from, to: range.to } });
    const byCurrency = new Map<string, ContractRow[]>();
    for (const r of rows) byCurrency.set(r.currency, [...(byCurrency.get(r.currency) ?? []), r]);
    const reports: RoiReportView[] = [];
    for (const cur of [...byCurrency.keys()].sort()) reports.push(await this.roi(scope, byCurrency.get(cur)!, range, 'customer'));
    return { customerId, customerName: customer.name, reports };
  }

  private range(q: RangeQuery, startsOn: string, timezone: string): { from: string; to: string } {
    const from = q.from ?? startsOn.slice(0, 7);
    const to = q.to ?? localDate(new Date(), timezone).slice(0, 7);
    if (from > to)
      throw ReportError.create(ReportErrorCode.RANGE_INVALID, `from ${from} is after to ${to}`, [{ field: 'from', message: 'must not be after to' }]);
    if (monthsBetween(from, to).length > MAX_MONTHS)
      throw ReportError.create(ReportErrorCode.RANGE_INVALID, `at most ${MAX_MONTHS} months`, [{ field: 'to', message: `at most ${MAX_MONTHS} months after from` }]);
    return { from, to };
  }

  private async roi(scope: Scope, contracts: ContractRow[], range: { from: string; to: string }, kind: 'contract' | 'customer'): Promise<RoiReportView> {
    const cur = contracts[0].currency;
    const ids = contracts.map((c) => c.id);
    const months = monthsBetween(range.from, range.to);
    const rangeStart = `${range.from}-01`;
    const rangeEnd = nextMonthStart(range.to);
    const fees = await this.invoices.monthlyFees(scope, ids, rangeStart, rangeEnd, null);
    const basis = await this.delivered.basisMonths(scope, contracts, months);
    const values = await this.delivered.value(scope, basis, invoicedMonths(fees));

    const zero = new Money(0);
    let cumValue = zero;
    let cumFees = zero;
    let measured = zero;
    let estimated = zero;
    const series: RoiMonthView[] = months.map((m) => {
      const rows = values.filter((r) => r.month === m);
      const mv = rows.filter((r) => !r.estimated).reduce((acc, r) => acc.plus(r.value), zero);
      const ev = rows.filter((r) => r.estimated).reduce((acc, r) => acc.plus(r.value), zero);
      const v = mv.plus(ev);
      const f = fees.filter((r) => r.month === m).reduce((acc, r) => acc.plus(r.fees), zero);
      cumValue = cumValue.plus(v);
      cumFees = cumFees.plus(f);
      measured = measured.plus(mv);
      estimated = estimated.plus(ev);
      return {
        month: m,
        value: money(v, cur),
        measuredValue: money(mv, cur),
        estimatedValue: money(ev, cur),
        fees: money(f, cur),
        net: money(v.minus(f), cur),
        cumulativeValue: money(cumValue, cur),
        cumulativeFees: money(cumFees, cur),
      };
    });

    const latestTerms = await this.latestTerms(scope, ids);
    const judged = [...new Set([...latestTerms.values()].flatMap(judgedTypesOf))];
    const acceptance = await this.acceptance(scope, ids, rangeStart, rangeEnd, judged);
    const guarantees = await this.guarantees(scope, ids, rangeStart, rangeEnd);
    const items = basis.flatMap((b) => b.version.items);
    const valueBasis = [...new Set(items.map(describeItem))];
    // Without a declared basis there is no value to weigh the fees against: say so, never "−100%".
    const valueBasisDeclared = valueBasis.length > 0;
    if (!valueBasisDeclared) valueBasis.push(NO_VALUE_BASIS);
    const hasMeasured = items.some((i) => !i.estimated);
    const valueKind = valueKindOf(items);
    return {
      scope: kind,
      contractIds: ids,
      contractName: kind === 'contract' ? contracts[0].name : null,
      customerId: contracts[0].customer_id,
      customerName: contracts[0].customer_name,
      currency: cur,
      from: range.from,
      to: range.to,
      value: money(cumValue, cur),
      measuredValue: money(measured, cur),
      estimatedValue: money(estimated, cur),
      valueKind,
      fees: money(cumFees, cur),
      net: money(cumValue.minus(cumFees), cur),
      roiPercent: valueBasisDeclared ? roiPercent(cumValue, cumFees) : null,
      measuredRoiPercent: hasMeasured ? roiPercent(measured, cumFees) : null,
      valueBasisDeclared,
      paybackMonth: valueBasisDeclared ? paybackMonth(series) : null,
      months: series,
      acceptance,
      guaranteeHits: guarantees.filter((g) => g.hit).length,
      guaranteeMisses: guarantees.filter((g) => !g.hit).length,
      guarantees,
      valueBasis,
      valueBasisVersions: usedVersions(basis),
      generatedAt: new Date().toISOString(),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Portfolio

  async portfolio(p: Principal, q: PortfolioQuery): Promise<PortfolioView> {
    const scope = scopeOf(p);
    const contracts = await this.contractRows(scope, {});
    const threshold = new Money(q.threshold ?? '15').toFixed();
    const earliest = contracts.map((r) => r.starts_on).sort()[0] ?? `${new Date().toISOString().slice(0, 7)}-01`;
    const range = this.range(q, earliest, 'UTC');
    await this.exportLog.record(p, { kind: 'portfolio', format: 'json', params: { from: range.from, to: range.to, threshold } });
    const ids = contracts.map((c) => c.id);
    const rangeStart = `${range.from}-01`;
    const rangeEnd = nextMonthStart(range.to);
    const months = monthsBetween(range.from, range.to);

    const revenue = await this.invoices.revenueByScheme(scope, ids, rangeStart, rangeEnd);
    const latestTerms = await this.latestTerms(scope, ids);
    const fees = await this.invoices.monthlyFees(scope, ids, rangeStart, rangeEnd, null);
    const basis = await this.delivered.basisMonths(scope, contracts, months);
    const values = await this.delivered.value(scope, basis, invoicedMonths(fees));
    const zero = new Money(0);
    const total = <T extends { value?: string; fees?: string }>(rows: T[], f: (r: T) => string) => rows.reduce((acc, r) => acc.plus(f(r)), zero);
    const perContract: ContractRoiView[] = contracts.map((c) => {
      const own = values.filter((r) => r.contractId === c.id);
      const mv = total(own.filter((r) => !r.estimated), (r) => r.value);
      const ev = total(own.filter((r) => r.estimated), (r) => r.value);
      const v = mv.plus(ev);
      const f = total(fees.filter((r) => r.contractId === c.id), (r) => r.fees);
      const items = basis.filter((b) => b.contractId === c.id).flatMap((b) => b.version.items);
      const declared = items.length > 0;
      const roi = declared ? roiPercent(v, f) : null;
      return {
        contractId: c.id,
        contractName: c.name,
        currency: c.currency,
        scheme: latestTerms.get(c.id) ? schemeOf(latestTerms.get(c.id)!) : '',
        value: money(v, c.currency),
        measuredValue: money(mv, c.currency),
        estimatedValue: money(ev, c.currency),
        valueKind: valueKindOf(items),
        fees: money(f, c.currency),
        roiPercent: roi,
        valueBasisDeclared: declared,
        band: declared ? roiBand(roi, threshold) : NO_VALUE_BASIS,
      };
    });
    // The seeds' headline figure, per quarter: of the contracts with fees and a value basis in the
    // quarter, the share whose ROI over that quarter is above the threshold.
    const byQuarter: QuarterRoiView[] = quartersOf(months).map(({ quarter, months: qm }) => {
      let withRoi = 0;
      let above = 0;
      let withoutBasis = 0;
      for (const c of contracts) {
        const f = total(fees.filter((r) => r.contractId === c.id && qm.includes(r.month)), (r) => r.fees);
        if (f.isZero()) continue;
        if (!basis.some((b) => b.contractId === c.id && qm.includes(b.month))) {
          withoutBasis++;
          continue;
        }
        const v = total(values.filter((r) => r.contractId === c.id && qm.includes(r.month)), (r) => r.value);
        withRoi++;
        if (new Money(roiPercent(v, f)!).greaterThan(threshold)) above++;
      }
      return {
        quarter,
        from: qm[0],
        to: qm[qm.length - 1],
        contractsWithRoi: withRoi,
        contractsAboveThreshold: above,
        contractsWithFeesWithoutValueBasis: withoutBasis,
        shareAboveThreshold: withRoi ? new Money(above).dividedBy(withRoi).toDecimalPlaces(4, Money.ROUND_HALF_UP).toFixed() : null,
      };
    });
    const byContractScheme = new Map<string, Money>();
    for (const c of perContract) {
      const key = `${c.currency}\u0000${c.scheme}`;
      byContractScheme.set(key, (byContractScheme.get(key) ?? zero).plus(c.fees));
    }
    // The share above the threshold is over contracts whose ROI can be stated (fees and a value basis).
    const withFees = perContract.filter((c) => c.roiPercent !== null);
    const above = withFees.filter((c) => new Money(c.roiPercent!).greaterThan(threshold));
    const judged = [...new Set([...latestTerms.values()].flatMap(judgedTypesOf))];
    return {
      from: range.from,
      to: range.to,
      thresholdPercent: threshold,
      revenueByScheme: revenue.map((r) => ({ currency: r.currency, scheme: r.scheme, revenue: money(r.revenue, r.currency) })),
      revenueByContractScheme: [...byContractScheme.entries()]
        .filter(([, v]) => !v.isZero())
        .map(([k, v]) => {
          const [currency, scheme] = k.split('\u0000');
          return { currency, scheme, revenue: money(v, currency) };
        }),
      contractsByRoiBand: ROI_BAND_ORDER(threshold).map((band) => ({ band, contracts: perContract.filter((c) => c.band === band).length })),
      contractsWithFees: withFees.length,
      contractsWithoutValueBasis: perContract.filter((c) => !c.valueBasisDeclared).length,
      contractsAboveThreshold: above.length,
      shareAboveThreshold: withFees.length ? new Money(above.length).dividedBy(withFees.length).toDecimalPlaces(4, Money.ROUND_HALF_UP).toFixed() : null,
      byQuarter,
      acceptanceByOutcomeType: await this.acceptance(scope, ids, rangeStart, rangeEnd, judged),
      contracts: perContract,
      generatedAt: new Date().toISOString(),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Reads, through the owners of the tables

  /** One contract the scope sees, with its customer's name, or 404. */
  private async visibleContract(scope: Scope, contractId: string): Promise<ContractRow> {
    const [row] = await this.contractRows(scope, { contractIds: [contractId] });
    if (!row) throw notFound('contract', contractId);
    return row;
  }

  /** The contracts the scope sees, optionally of one customer or a list, with their customers' names. */
  private async contractRows(scope: Scope, f: { customerId?: string; contractIds?: string[] }): Promise<ContractRow[]> {
    const rows = await this.contracts.contracts(scope, f);
    const names = await this.customers.namesOf(scope, [...new Set(rows.map((r) => r.customer_id))]);
    return rows.map((r) => ({ ...r, customer_name: names.get(r.customer_id)! }));
  }

  private async latestTerms(scope: Scope, ids: string[]): Promise<Map<string, ReportTermsRow['document']>> {
    const out = new Map<string, ReportTermsRow['document']>();
    for (const t of await this.contracts.termsVersions(scope, ids)) out.set(t.contract_id, t.document);
    return out;
  }

  /** Each contract's months with the terms in force in them (the latest version taking effect before the month ends). */
  private async slots(scope: Scope, contracts: ReportContractRow[], months: string[]): Promise<MonthSlot[]> {
    const versions = await this.contracts.termsVersions(scope, contracts.map((c) => c.id));
    const out: MonthSlot[] = [];
    for (const c of contracts) {
      const own = versions.filter((v) => v.contract_id === c.id);
      for (const m of months) {
        const start = `${m}-01`;
        const end = nextMonthStart(m);
        if (end <= c.starts_on || (c.ends_on && start > c.ends_on)) continue;
        const tv = inForceDuring(own, m);
        if (!tv) continue;
        const types = valueTypesOf(tv.document);
        if (types.length) out.push({ contractId: c.id, month: m, start, end, tz: c.timezone, types });
      }
    }
    return out;
  }

  /** Verified value per contract and month: Σ value of value-share types, count × valuePerUnit of declared types. */
  private monthlyValue(scope: Scope, slots: MonthSlot[]) {
    return this.outcomes.monthlyValue(
      scope,
      slots.flatMap((s) => s.types.map((t) => ({ contract_id: s.contractId, month: s.month, start: s.start, end: s.end, tz: s.tz, type: t.type, per_unit: t.perUnit }))),
    );
  }

  /** verified ÷ (verified + rejected) per outcome type a person judges, over outcomes occurring in the range. */
  private async acceptance(scope: Scope, ids: string[], start: string, end: string, types: string[]): Promise<AcceptanceView[]> {
    const rows = await this.outcomes.judgedByType(scope, ids, start, end, types);
    return rows.map((r) => ({
      outcomeType: r.type,
      verified: r.verified,
      confirmed: r.verified - r.deemed,
      deemed: r.deemed,
      rejected: r.rejected,
      rate: acceptanceRate(r.verified, r.rejected),
    }));
  }

  /** Guarantee evaluations of the issued invoices' own periods (adjustment lines re-evaluate earlier periods: left out). */
  private async guarantees(scope: Scope, ids: string[], start: string, end: string): Promise<GuaranteeResultView[]> {
    const rows = await this.invoices.guarantees(scope, ids, start, end);
    return rows.map((r) => ({
      period: r.period_label,
      invoiceNumber: r.number,
      kpi: r.g.kpi,
      comparator: r.g.comparator,
      threshold: r.g.threshold,
      measured: r.g.measured ?? null,
      result: r.g.result,
      hit: r.g.result === 'met' || r.g.result === 'assumed_met',
    }));
  }
}
