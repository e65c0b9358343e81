import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ExportLogService } from '../audit/export-log.service';
import { principalSeesCustomer } from '../auth/contract-scope';
import type { Principal } from '../auth/principal';
import { notFound } from '../common/errors/common.errors';
import { Money } from '../common/money';
import { ContractsService } from '../contracts/contracts.service';
import type { Contract } from '../contracts/entities/contract.entity';
import { localDate } from '../outcomes/outcome-rules';
import type { Terms } from '../pricing/types';
import type {
  AcceptanceView,
  ContractRoiView,
  CustomerRoiView,
  FeesView,
  GuaranteeResultView,
  OutcomeLineView,
  PortfolioQuery,
  PortfolioView,
  RangeQuery,
  ReportFormat,
  RoiMonthView,
  RoiReportView,
  StatementView,
} from './dto/reports.dto';
import {
  acceptanceRate,
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
const ISO_MS = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

interface ContractRow {
  id: string;
  name: string;
  customer_id: string;
  customer_name: string;
  currency: string;
  timezone: string;
  starts_on: string;
  ends_on: string | null;
}

interface TermsRow {
  contract_id: string;
  effective_from: string;
  document: Terms;
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
    @InjectDataSource() private readonly db: DataSource,
    private readonly contracts: ContractsService,
    private readonly exportLog: ExportLogService,
  ) {}

  // -------------------------------------------------------------------------------------------
  // Savings-share statement

  async statement(p: Principal, contractId: string, label: string, format: ReportFormat): Promise<StatementView> {
    const c = await this.contracts.findVisible(p, contractId);
    const start = `${label}-01`;
    const end = nextMonthStart(label);
    const tv = await this.contracts.termsForPeriod(p.vendorId, c.id, end);
    if (!tv || end <= c.startsOn || (c.endsOn && start > c.endsOn))
      throw ReportError.create(ReportErrorCode.PERIOD_OUTSIDE_CONTRACT, `the contract runs from ${c.startsOn}${c.endsOn ? ` to ${c.endsOn}` : ''}`, [
        { field: 'period', message: 'must be a month of the contract' },
      ]);
    await this.exportLog.record(p, { kind: 'statement', format, contractId: c.id, customerId: c.customerId, params: { period: label } });
    const terms = tv.document;
    const types = valueTypesOf(terms);
    const cur = c.currency;
    const [names] = await this.db.query(`SELECT name FROM customers WHERE vendor_id = $1 AND id = $2`, [p.vendorId, c.customerId]);

    const slot: MonthSlot = { contractId: c.id, month: label, start, end, tz: c.timezone, types };
    const [value] = await this.monthlyValue(p.vendorId, [slot]);
    const verifiedValue = new Money(value?.value ?? '0');

    // The period's invoice: customers see issued invoices only (drafts are the vendor's work in progress).
    const [inv] = await this.db.query(
      `SELECT i.id, i.number, i.status, coalesce(i.tax, 0)::text AS tax,
              coalesce(sum((l->>'amount')::numeric) FILTER (WHERE l->>'componentType' IN ('flat_fee', 'per_area')), 0)::text AS flat,
              coalesce(sum((l->>'amount')::numeric) FILTER (WHERE l->>'componentType' = 'value_share'), 0)::text AS share,
              coalesce(sum((l->>'amount')::numeric) FILTER (WHERE l->>'componentType' NOT IN ('flat_fee', 'per_area', 'value_share')), 0)::text AS other,
              (SELECT coalesce(sum(n.subtotal), 0)::text FROM credit_notes n WHERE n.vendor_id = i.vendor_id AND n.invoice_id = i.id) AS credited
         FROM invoices i LEFT JOIN LATERAL jsonb_array_elements(i.lines) l ON true
        WHERE i.vendor_id = $1 AND i.contract_id = $2 AND i.period_start = $3::date ${p.role === 'customer' ? `AND i.status <> 'draft'` : ''}
        GROUP BY i.vendor_id, i.id`,
      [p.vendorId, c.id, start],
    );
    const zero = new Money(0);
    const flat = new Money(inv?.flat ?? 0);
    const share = new Money(inv?.share ?? 0);
    const other = new Money(inv?.other ?? 0);
    const credited = new Money(inv?.credited ?? 0);
    const fees = inv ? flat.plus(share).plus(other).minus(credited) : zero;
    const feesView: FeesView = { flat: money(flat, cur), share: money(share, cur), other: money(other, cur), credited: money(credited, cur), net: money(fees, cur) };

    // Year to date: from January (or the contract's start) to the end of this period.
    const yearStart = `${label.slice(0, 4)}-01-01` < c.startsOn ? c.startsOn : `${label.slice(0, 4)}-01-01`;
    const ytdMonths = monthsBetween(yearStart.slice(0, 7), label);
    const ytdSlots = await this.slots(p.vendorId, [this.contractRow(c, names.name)], ytdMonths);
    const ytdValue = (await this.monthlyValue(p.vendorId, ytdSlots)).reduce((acc, r) => acc.plus(r.value), zero);
    const ytdFeesRows = await this.monthlyFees(p.vendorId, [c.id], `${ytdMonths[0]}-01`, end, inv?.status === 'draft' ? inv.id : null);
    const ytdFees = ytdFeesRows.reduce((acc, r) => acc.plus(r.fees), zero);

    const typeNames = types.map((t) => t.type);
    const perUnit = JSON.stringify(Object.fromEntries(types.map((t) => [t.type, t.perUnit])));
    const lineSql = (statuses: string[]) => `
      SELECT o.id, o.external_id, o.type, o.status, ${ISO_MS('o.occurred_at')} AS occurred_at, ${ISO_MS('o.verified_at')} AS verified_at,
             o.evidence_sha256, coalesce(($5::jsonb ->> o.type)::numeric, o.value, 0)::text AS value,
             (SELECT e.actor_role FROM outcome_events e WHERE e.vendor_id = o.vendor_id AND e.outcome_id = o.id AND e.to_status = 'verified'
               ORDER BY e.id DESC LIMIT 1) AS verified_by
        FROM outcomes o
       WHERE o.vendor_id = $1 AND o.contract_id = $2 AND o.type = ANY($3::text[]) AND o.status = ANY('{${statuses.join(',')}}'::text[])
         AND o.occurred_at >= ($4::timestamp AT TIME ZONE $6) AND o.occurred_at < ($7::timestamp AT TIME ZONE $6)
       ORDER BY o.occurred_at, o.id LIMIT ${LIST_LIMIT}`;
    const params = [p.vendorId, c.id, typeNames, start, perUnit, c.timezone, end];
    const verifiedRows = await this.db.query(lineSql(['verified']), params);
    const pendingRows = await this.db.query(lineSql(['recorded', 'disputed']), params);
    const pending: Array<{ status: string; n: number; value: string }> = await this.db.query(
      `SELECT o.status, count(*)::int AS n, coalesce(sum(coalesce(($5::jsonb ->> o.type)::numeric, o.value, 0)), 0)::text AS value
         FROM outcomes o
        WHERE o.vendor_id = $1 AND o.contract_id = $2 AND o.type = ANY($3::text[]) AND o.status IN ('recorded', 'disputed')
          AND o.occurred_at >= ($4::timestamp AT TIME ZONE $6) AND o.occurred_at < ($7::timestamp AT TIME ZONE $6)
        GROUP BY o.status`,
      params,
    );
    const pendingOf = (s: string) => {
      const r = pending.find((x) => x.status === s);
      return { count: r?.n ?? 0, value: money(r?.value ?? '0', cur) };
    };
    const line = (r: any): OutcomeLineView => ({
      id: r.id,
      externalId: r.external_id,
      type: r.type,
      value: money(r.value, cur),
      occurredAt: r.occurred_at,
      status: r.status,
      verifiedAt: r.verified_at,
      verifiedBy: r.verified_by,
      evidenceSha256: r.evidence_sha256,
    });

    return {
      contractId: c.id,
      contractName: c.name,
      customerId: c.customerId,
      customerName: names.name,
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
      awaitingVerification: pendingOf('recorded'),
      inDispute: pendingOf('disputed'),
      pendingOutcomes: pendingRows.map(line),
      generatedAt: new Date().toISOString(),
    };
  }

  // -------------------------------------------------------------------------------------------
  // ROI

  async contractRoi(p: Principal, contractId: string, q: RangeQuery, format: ReportFormat): Promise<RoiReportView> {
    const c = await this.contracts.findVisible(p, contractId);
    const [row] = await this.contractRows(p, { contractIds: [c.id] });
    const range = this.range(q, row.starts_on, row.timezone);
    await this.exportLog.record(p, { kind: 'roi', format, contractId: c.id, customerId: c.customerId, params: { from: range.from, to: range.to } });
    return this.roi(p, [row], range, 'contract');
  }

  async customerRoi(p: Principal, customerId: string, q: RangeQuery, format: ReportFormat): Promise<CustomerRoiView> {
    const [customer] = await this.db.query(`SELECT vendor_id, id, name FROM customers WHERE vendor_id = $1 AND id = $2`, [p.vendorId, customerId]);
    if (!customer || !principalSeesCustomer(p, { vendorId: customer.vendor_id, id: customer.id })) throw notFound('customer', customerId);
    const rows = await this.contractRows(p, { customerId });
    if (rows.length === 0) throw notFound('customer', customerId); // an auditor granted none of its contracts
    const earliest = rows.map((r) => r.starts_on).sort()[0];
    const range = this.range(q, earliest, rows[0].timezone);
    await this.exportLog.record(p, { kind: 'roi', format, customerId, params: { from: range.from, to: range.to } });
    const byCurrency = new Map<string, ContractRow[]>();
    for (const r of rows) byCurrency.set(r.currency, [...(byCurrency.get(r.currency) ?? []), r]);
    const reports: RoiReportView[] = [];
    for (const cur of [...byCurrency.keys()].sort()) reports.push(await this.roi(p, byCurrency.get(cur)!, range, 'customer'));
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

  private async roi(p: Principal, contracts: ContractRow[], range: { from: string; to: string }, scope: 'contract' | 'customer'): Promise<RoiReportView> {
    const cur = contracts[0].currency;
    const ids = contracts.map((c) => c.id);
    const months = monthsBetween(range.from, range.to);
    const rangeStart = `${range.from}-01`;
    const rangeEnd = nextMonthStart(range.to);
    const slots = await this.slots(p.vendorId, contracts, months);
    const values = await this.monthlyValue(p.vendorId, slots);
    const fees = await this.monthlyFees(p.vendorId, ids, rangeStart, rangeEnd, null);

    const zero = new Money(0);
    let cumValue = zero;
    let cumFees = zero;
    const series: RoiMonthView[] = months.map((m) => {
      const v = values.filter((r) => r.month === m).reduce((acc, r) => acc.plus(r.value), zero);
      const f = fees.filter((r) => r.month === m).reduce((acc, r) => acc.plus(r.fees), zero);
      cumValue = cumValue.plus(v);
      cumFees = cumFees.plus(f);
      return { month: m, value: money(v, cur), fees: money(f, cur), net: money(v.minus(f), cur), cumulativeValue: money(cumValue, cur), cumulativeFees: money(cumFees, cur) };
    });

    const latestTerms = await this.latestTerms(p.vendorId, ids);
    const judged = [...new Set([...latestTerms.values()].flatMap(judgedTypesOf))];
    const acceptance = await this.acceptance(p.vendorId, ids, rangeStart, rangeEnd, judged);
    const guarantees = await this.guarantees(p.vendorId, ids, rangeStart, rangeEnd);
    const valueBasis = [
      ...new Set(
        [...latestTerms.values()].flatMap((t) =>
          valueTypesOf(t).map((v) => (v.perUnit === null ? `${v.type}: verified value` : `${v.type}: verified count × ${v.perUnit} (valuePerUnit in the terms)`)),
        ),
      ),
    ];
    if (valueBasis.length === 0) valueBasis.push('the terms declare no value outcome (no value_share, no valuePerUnit): value is 0');
    return {
      scope,
      contractIds: ids,
      contractName: scope === 'contract' ? contracts[0].name : null,
      customerId: contracts[0].customer_id,
      customerName: contracts[0].customer_name,
      currency: cur,
      from: range.from,
      to: range.to,
      value: money(cumValue, cur),
      fees: money(cumFees, cur),
      net: money(cumValue.minus(cumFees), cur),
      roiPercent: roiPercent(cumValue, cumFees),
      paybackMonth: paybackMonth(series),
      months: series,
      acceptance,
      guaranteeHits: guarantees.filter((g) => g.hit).length,
      guaranteeMisses: guarantees.filter((g) => !g.hit).length,
      guarantees,
      valueBasis,
      generatedAt: new Date().toISOString(),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Portfolio

  async portfolio(p: Principal, q: PortfolioQuery): Promise<PortfolioView> {
    const contracts = await this.contractRows(p, {});
    const threshold = new Money(q.threshold ?? '15').toFixed();
    const earliest = contracts.map((r) => r.starts_on).sort()[0] ?? `${new Date().toISOString().slice(0, 7)}-01`;
    const range = this.range(q, earliest, 'UTC');
    await this.exportLog.record(p, { kind: 'portfolio', format: 'json', params: { from: range.from, to: range.to, threshold } });
    const ids = contracts.map((c) => c.id);
    const rangeStart = `${range.from}-01`;
    const rangeEnd = nextMonthStart(range.to);
    const months = monthsBetween(range.from, range.to);

    const revenue: Array<{ currency: string; scheme: string; revenue: string }> = await this.db.query(
      `WITH lines AS (
         SELECT i.currency, l->>'componentType' AS scheme, (l->>'amount')::numeric AS amount
           FROM invoices i, jsonb_array_elements(i.lines) l
          WHERE i.vendor_id = $1 AND i.contract_id = ANY($2::uuid[]) AND i.status <> 'draft' AND i.period_start >= $3::date AND i.period_start < $4::date
         UNION ALL
         SELECT i.currency, l->>'componentType', -(l->>'amount')::numeric
           FROM credit_notes n JOIN invoices i ON i.vendor_id = n.vendor_id AND i.id = n.invoice_id, jsonb_array_elements(n.lines) l
          WHERE n.vendor_id = $1 AND i.contract_id = ANY($2::uuid[]) AND i.period_start >= $3::date AND i.period_start < $4::date)
       SELECT currency, scheme, sum(amount)::text AS revenue FROM lines GROUP BY currency, scheme ORDER BY currency, scheme`,
      [p.vendorId, ids, rangeStart, rangeEnd],
    );
    const latestTerms = await this.latestTerms(p.vendorId, ids);
    const slots = await this.slots(p.vendorId, contracts, months);
    const values = await this.monthlyValue(p.vendorId, slots);
    const fees = await this.monthlyFees(p.vendorId, ids, rangeStart, rangeEnd, null);
    const zero = new Money(0);
    const perContract: ContractRoiView[] = contracts.map((c) => {
      const v = values.filter((r) => r.contractId === c.id).reduce((acc, r) => acc.plus(r.value), zero);
      const f = fees.filter((r) => r.contractId === c.id).reduce((acc, r) => acc.plus(r.fees), zero);
      const roi = roiPercent(v, f);
      return {
        contractId: c.id,
        contractName: c.name,
        currency: c.currency,
        scheme: latestTerms.get(c.id) ? schemeOf(latestTerms.get(c.id)!) : '',
        value: money(v, c.currency),
        fees: money(f, c.currency),
        roiPercent: roi,
        band: roiBand(roi, threshold),
      };
    });
    const byContractScheme = new Map<string, Money>();
    for (const c of perContract) {
      const key = `${c.currency}\u0000${c.scheme}`;
      byContractScheme.set(key, (byContractScheme.get(key) ?? zero).plus(c.fees));
    }
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
      contractsAboveThreshold: above.length,
      shareAboveThreshold: withFees.length ? new Money(above.length).dividedBy(withFees.length).toDecimalPlaces(4, Money.ROUND_HALF_UP).toFixed() : null,
      acceptanceByOutcomeType: await this.acceptance(p.vendorId, ids, rangeStart, rangeEnd, judged),
      contracts: perContract,
      generatedAt: new Date().toISOString(),
    };
  }

  // -------------------------------------------------------------------------------------------
  // SQL aggregates

  private contractRow(c: Contract, customerName: string): ContractRow {
    return {
      id: c.id,
      name: c.name,
      customer_id: c.customerId,
      customer_name: customerName,
      currency: c.currency,
      timezone: c.timezone,
      starts_on: c.startsOn,
      ends_on: c.endsOn,
    };
  }

  /** The contracts the caller may see, optionally of one customer or a list. */
  private async contractRows(p: Principal, f: { customerId?: string; contractIds?: string[] }): Promise<ContractRow[]> {
    const params: unknown[] = [p.vendorId];
    const where = ['c.vendor_id = $1'];
    const add = (sql: (n: string) => string, v: unknown) => {
      params.push(v);
      where.push(sql(`$${params.length}`));
    };
    if (p.role === 'customer') add((n) => `c.customer_id = ${n}`, p.customerId);
    if (p.role === 'auditor' && p.contractIds) add((n) => `c.id = ANY(${n}::uuid[])`, p.contractIds);
    if (f.customerId) add((n) => `c.customer_id = ${n}`, f.customerId);
    if (f.contractIds) add((n) => `c.id = ANY(${n}::uuid[])`, f.contractIds);
    return this.db.query(
      `SELECT c.id, c.name, c.customer_id, cu.name AS customer_name, c.currency, c.timezone, c.starts_on::text AS starts_on, c.ends_on::text AS ends_on
         FROM contracts c JOIN customers cu ON cu.vendor_id = c.vendor_id AND cu.id = c.customer_id
        WHERE ${where.join(' AND ')} ORDER BY c.id`,
      params,
    );
  }

  private async termsVersions(vendorId: string, ids: string[]): Promise<TermsRow[]> {
    return this.db.query(
      `SELECT contract_id, effective_from::text AS effective_from, document FROM terms_versions
        WHERE vendor_id = $1 AND contract_id = ANY($2::uuid[]) ORDER BY contract_id, effective_from`,
      [vendorId, ids],
    );
  }

  private async latestTerms(vendorId: string, ids: string[]): Promise<Map<string, Terms>> {
    const out = new Map<string, Terms>();
    for (const t of await this.termsVersions(vendorId, ids)) out.set(t.contract_id, t.document);
    return out;
  }

  /** Each contract's months with the terms in force in them (the latest version taking effect before the month ends). */
  private async slots(vendorId: string, contracts: ContractRow[], months: string[]): Promise<MonthSlot[]> {
    const versions = await this.termsVersions(vendorId, contracts.map((c) => c.id));
    const out: MonthSlot[] = [];
    for (const c of contracts)
      for (const m of months) {
        const start = `${m}-01`;
        const end = nextMonthStart(m);
        if (end <= c.starts_on || (c.ends_on && start > c.ends_on)) continue;
        const tv = versions.filter((v) => v.contract_id === c.id && v.effective_from < end).pop();
        if (!tv) continue;
        const types = valueTypesOf(tv.document);
        if (types.length) out.push({ contractId: c.id, month: m, start, end, tz: c.timezone, types });
      }
    return out;
  }

  /** Verified value per contract and month: Σ value of value-share types, count × valuePerUnit of declared types. */
  private async monthlyValue(vendorId: string, slots: MonthSlot[]): Promise<Array<{ contractId: string; month: string; value: string; count: number }>> {
    const rows = slots.flatMap((s) => s.types.map((t) => ({ contract_id: s.contractId, month: s.month, start: s.start, end: s.end, tz: s.tz, type: t.type, per_unit: t.perUnit })));
    if (rows.length === 0) return [];
    const out: Array<{ contract_id: string; month: string; value: string; n: number }> = await this.db.query(
      `SELECT s.contract_id, s.month, coalesce(sum(coalesce(s.per_unit, o.value, 0)), 0)::text AS value, count(o.id)::int AS n
         FROM jsonb_to_recordset($2::jsonb) AS s(contract_id uuid, month text, start date, "end" date, tz text, type text, per_unit numeric)
         JOIN outcomes o ON o.vendor_id = $1 AND o.contract_id = s.contract_id AND o.type = s.type AND o.status = 'verified'
          AND o.occurred_at >= (s.start::timestamp AT TIME ZONE s.tz) AND o.occurred_at < (s."end"::timestamp AT TIME ZONE s.tz)
        GROUP BY s.contract_id, s.month`,
      [vendorId, JSON.stringify(rows)],
    );
    return out.map((r) => ({ contractId: r.contract_id, month: r.month, value: r.value, count: r.n }));
  }

  /** Fees per contract and month: issued invoices' subtotals (before tax) net of their credit notes; plus one draft when asked. */
  private async monthlyFees(
    vendorId: string,
    ids: string[],
    start: string,
    end: string,
    alsoDraftId: string | null,
  ): Promise<Array<{ contractId: string; month: string; fees: string }>> {
    const rows: Array<{ contract_id: string; month: string; fees: string }> = await this.db.query(
      `SELECT i.contract_id, to_char(i.period_start, 'YYYY-MM') AS month,
              (sum(coalesce(i.subtotal, 0)) - coalesce(sum(cn.credited), 0))::text AS fees
         FROM invoices i
         LEFT JOIN LATERAL (SELECT sum(n.subtotal) AS credited FROM credit_notes n WHERE n.vendor_id = i.vendor_id AND n.invoice_id = i.id) cn ON true
        WHERE i.vendor_id = $1 AND i.contract_id = ANY($2::uuid[]) AND i.period_start >= $3::date AND i.period_start < $4::date
          AND (i.status <> 'draft' OR i.id = $5::uuid)
        GROUP BY i.contract_id, i.period_start`,
      [vendorId, ids, start, end, alsoDraftId],
    );
    return rows.map((r) => ({ contractId: r.contract_id, month: r.month, fees: r.fees }));
  }

  /** verified ÷ (verified + rejected) per outcome type a person judges, over outcomes occurring in the range. */
  private async acceptance(vendorId: string, ids: string[], start: string, end: string, types: string[]): Promise<AcceptanceView[]> {
    if (types.length === 0) return [];
    const rows: Array<{ type: string; verified: number; rejected: number }> = await this.db.query(
      `SELECT o.type, count(*) FILTER (WHERE o.status = 'verified')::int AS verified, count(*) FILTER (WHERE o.status = 'rejected')::int AS rejected
         FROM outcomes o JOIN contracts c ON c.vendor_id = o.vendor_id AND c.id = o.contract_id
        WHERE o.vendor_id = $1 AND o.contract_id = ANY($2::uuid[]) AND o.type = ANY($5::text[]) AND o.status IN ('verified', 'rejected')
          AND o.occurred_at >= ($3::timestamp AT TIME ZONE c.timezone) AND o.occurred_at < ($4::timestamp AT TIME ZONE c.timezone)
        GROUP BY o.type ORDER BY o.type`,
      [vendorId, ids, start, end, types],
    );
    return rows.map((r) => ({ outcomeType: r.type, verified: r.verified, rejected: r.rejected, rate: acceptanceRate(r.verified, r.rejected) }));
  }

  /** Guarantee evaluations of the issued invoices' own periods (adjustment lines re-evaluate earlier periods: left out). */
  private async guarantees(vendorId: string, ids: string[], start: string, end: string): Promise<GuaranteeResultView[]> {
    const rows: Array<{ period_label: string; number: string; g: any }> = await this.db.query(
      `SELECT DISTINCT ON (i.period_start, i.id, l->'guarantee'->>'kpi') i.period_label, i.number, l->'guarantee' AS g
         FROM invoices i, jsonb_array_elements(coalesce(i.trace->'lines', '[]'::jsonb)) l
        WHERE i.vendor_id = $1 AND i.contract_id = ANY($2::uuid[]) AND i.status <> 'draft' AND i.period_start >= $3::date AND i.period_start < $4::date
          AND l ? 'guarantee' AND l->>'key' NOT LIKE 'adj:%'
        ORDER BY i.period_start, i.id, l->'guarantee'->>'kpi'`,
      [vendorId, ids, start, end],
    );
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
