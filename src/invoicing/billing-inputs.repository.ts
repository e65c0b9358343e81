import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Money } from '../common/money';
import type { Contract } from '../contracts/entities/contract.entity';
import { negateAggregate } from '../pricing/aggregates';
import { billableOutcomeTypes, guaranteeKpis } from '../pricing/terms';
import type {
  BillingPeriod,
  KpiMeasurement,
  OutcomeAggregate,
  PeriodAdjustmentInput,
  PricingContract,
  PricingInput,
  Terms,
} from '../pricing/types';

/**
 * The ids digest of an aggregate, computed in SQL: `xor128:` and the hex XOR of the 16-byte ids
 * of the rows. Order-independent and exact, recomputable offline from the id list (XOR the UUIDs'
 * bytes), and nearly free: sorting and hashing a million ids (sha256(string_agg(id ORDER BY id)))
 * or hashing each id (md5/sha256 per row) costs more than the aggregate itself (see
 * test/bench/invoice.bench.ts). XOR is no defence against chosen ids, but ids are server-assigned
 * uuidv7, a finalized invoice records its exact ids in invoice_outcomes, and the trace digest
 * (SHA-256) covers the whole calculation. In code: `IdsDigest` of src/pricing/aggregates.ts.
 */
export const IDS_DIGEST_SQL = `
  'xor128:' || lpad(to_hex(bit_xor(substring(uuid_send(o.id) FROM 1 FOR 8)::bigint)), 16, '0')
            || lpad(to_hex(bit_xor(substring(uuid_send(o.id) FROM 9 FOR 8)::bigint)), 16, '0')`;

/** Where the outcomes of an invoice come from. */
export type OutcomeSource =
  /** A draft: what would be billed if the invoice were finalized now. */
  | { kind: 'open' }
  /**
   * A finalizing invoice: the same outcomes as `open`, recorded in invoice_outcomes by the very
   * statements that aggregate them, so the invoice and its record cannot differ.
   */
  | { kind: 'claim'; invoiceId: string }
  /**
   * A finalized invoice: what it recorded; "already billed" means recorded by other invoices
   * finalized before `billedBefore`.
   */
  | { kind: 'recorded'; invoiceId: string; billedBefore: Date };

export interface BillingSubject {
  vendorId: string;
  contract: Contract;
  period: BillingPeriod;
  terms: Terms;
}

/** An earlier, already invoiced period of the contract, with the terms its invoice used. */
export interface InvoicedPeriod {
  start: string;
  end: string;
  termsVersionId: string;
  terms: Terms;
}

interface AggRow {
  type: string;
  n: string;
  q: string | null;
  v: string | null;
  digest: string;
  [k: string]: unknown;
}

export function pricingContractOf(c: Contract): PricingContract {
  return {
    currency: c.currency,
    timezone: c.timezone,
    taxRate: c.taxRate,
    startsOn: c.startsOn,
    endsOn: c.endsOn,
    billingCycle: c.billingCycle,
  };
}

const normal = (v: string | null): string => (v === null ? '0' : new Money(v).toFixed());

/** The dimensions some per-outcome component breaks its line down by. */
function breakdownDimensions(terms: Terms[]): string[] {
  const out = new Set<string>();
  for (const t of terms) for (const c of t.components) if (c.type === 'per_outcome' && c.breakdownBy) out.add(c.breakdownBy);
  return [...out].sort();
}

/** Numbered SQL parameters: `ps.add(v)` → `$n`. */
class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/** The outcome columns an aggregate reads. */
const OUTCOME_COLS = 'o.vendor_id, o.id, o.contract_id, o.type, o.quantity, o.value, o.dimensions, o.occurred_at';

/**
 * Builds the pricing engine's input from SQL aggregates: one aggregate per period (by type, and by
 * breakdown dimension with GROUPING SETS), never a period's rows in memory.
 *
 * Finalized invoices' outcomes are read by driving from invoice_outcomes and probing outcomes by
 * primary key (a LATERAL that the planner cannot flatten): without fresh statistics the planner
 * otherwise picks a nested loop over two unindexed sides, quadratic in the invoice's size.
 */
@Injectable()
export class BillingInputsRepository {
  /** The contract's earlier periods whose invoice left draft: late and reversed outcomes of those become adjustments. */
  async invoicedPeriodsBefore(em: EntityManager, vendorId: string, contractId: string, before: string): Promise<InvoicedPeriod[]> {
    const rows: Array<{ start: string; end: string; terms_version_id: string; document: Terms }> = await em.query(
      `SELECT i.period_start::text AS start, i.period_end::text AS "end", i.terms_version_id, t.document
         FROM invoices i JOIN terms_versions t ON t.vendor_id = i.vendor_id AND t.id = i.terms_version_id
        WHERE i.vendor_id = $1 AND i.contract_id = $2 AND i.status <> 'draft' AND i.period_start < $3
        ORDER BY i.period_start`,
      [vendorId, contractId, before],
    );
    return rows.map((r) => ({ start: r.start, end: r.end, termsVersionId: r.terms_version_id, terms: r.document }));
  }

  /**
   * The engine input of an invoice: its period's aggregates, KPI measurements and adjustments.
   * With a `claim` source it also records exactly those outcomes for the invoice: the period's
   * verified billable outcomes not billed yet (+1), earlier invoiced periods' outcomes verified
   * late (+1) and billed outcomes since reversed (-1). The primary key of invoice_outcomes refuses
   * a second claim of the same outcome (a concurrent finalization), which the caller retries.
   * `kpiIds` (reproduction) names the KPI measurements to read instead of the latest ones.
   */
  async pricingInput(
    em: EntityManager,
    s: BillingSubject,
    source: OutcomeSource,
    earlier: InvoicedPeriod[],
    kpiIds?: string[],
  ): Promise<PricingInput> {
    const dims = breakdownDimensions([s.terms, ...earlier.map((p) => p.terms)]);
    const types = [...billableOutcomeTypes(s.terms).keys()];

    // This period.
    const ps = new Params();
    const vendor = ps.add(s.vendorId);
    const contract = ps.add(s.contract.id);
    const tz = ps.add(s.contract.timezone);
    const inPeriod = `o.occurred_at >= (${ps.add(s.period.start)}::timestamp AT TIME ZONE ${tz})
                  AND o.occurred_at < (${ps.add(s.period.end)}::timestamp AT TIME ZONE ${tz})`;
    const typeList = ps.add(types);
    const agg = this.aggregateSql(dims, [], ps);
    // A period whose invoice is still a draft has billed nothing: only invoiced periods lend their
    // outcomes to other invoices (as adjustments). So the draft preview skips the anti-join, and
    // the claim keeps it as a guard (the primary key of invoice_outcomes is the last word).
    const open = `SELECT ${OUTCOME_COLS} FROM outcomes o
                   WHERE o.vendor_id = ${vendor} AND o.contract_id = ${contract} AND o.type = ANY(${typeList}::text[])
                     AND o.status = 'verified' AND ${inPeriod}${source.kind === 'claim' ? ` AND NOT ${billed(1)}` : ''}`;
    let sql: string;
    if (source.kind === 'open') sql = `SELECT ${agg.select} FROM (${open}) o GROUP BY ${agg.groupBy}`;
    else if (source.kind === 'claim')
      sql = `WITH src AS MATERIALIZED (${open}),
                  ins AS (INSERT INTO invoice_outcomes (vendor_id, outcome_id, effect, invoice_id)
                          SELECT vendor_id, id, 1, ${ps.add(source.invoiceId)} FROM src)
             SELECT ${agg.select} FROM src o GROUP BY ${agg.groupBy}`;
    else
      sql = `SELECT ${agg.select} FROM (${this.recordedSql(ps, vendor, source.invoiceId)}) o
              WHERE o.effect = 1 AND o.contract_id = ${contract} AND o.type = ANY(${typeList}::text[]) AND ${inPeriod}
              GROUP BY ${agg.groupBy}`;
    const rows: AggRow[] = await em.query(sql, ps.values);
    const aggregates = rows.flatMap((r) => this.toAggregate(r, dims));

    const kpiMeasurements = kpiIds
      ? await this.kpisById(em, s, kpiIds)
      : await this.latestKpis(em, s, [{ start: s.period.start, end: s.period.end, types: guaranteeKpis(s.terms) }]);
    const kpis = kpiMeasurements.filter((k) => k.periodStart === s.period.start).map((k) => k.kpi);

    const adjustments = earlier.length ? await this.adjustments(em, s, source, earlier, dims, kpiIds ? kpiMeasurements : null) : [];
    return {
      contract: pricingContractOf(s.contract),
      terms: s.terms,
      period: { start: s.period.start, end: s.period.end },
      aggregates,
      kpis,
      ...(adjustments.length ? { adjustments } : {}),
    };
  }

  private async adjustments(
    em: EntityManager,
    s: BillingSubject,
    source: OutcomeSource,
    earlier: InvoicedPeriod[],
    dims: string[],
    knownKpis: Array<{ periodStart: string; kpi: KpiMeasurement }> | null,
  ): Promise<PeriodAdjustmentInput[]> {
    // Changes since those periods were invoiced, per period and direction.
    const ps = new Params();
    const vendor = ps.add(s.vendorId);
    const contract = ps.add(s.contract.id);
    const tz = ps.add(s.contract.timezone);
    const periods = ps.add(this.periodsParam(earlier));
    const delta = this.aggregateSql(dims, ['start', 'effect'], ps);
    const openDelta = `SELECT ${OUTCOME_COLS}, p.start, CASE WHEN o.status = 'verified' THEN 1 ELSE -1 END AS effect
        FROM ${periodsJoin(vendor, contract, tz, periods)}
       WHERE (o.status = 'verified' AND NOT ${billed(1)}) OR (o.status = 'reversed' AND ${billed(1)} AND NOT ${billed(-1)})`;
    let sql: string;
    if (source.kind === 'open') sql = `SELECT ${delta.select} FROM (${openDelta}) o GROUP BY ${delta.groupBy}`;
    else if (source.kind === 'claim')
      sql = `WITH src AS MATERIALIZED (${openDelta}),
                  ins AS (INSERT INTO invoice_outcomes (vendor_id, outcome_id, effect, invoice_id)
                          SELECT vendor_id, id, effect, ${ps.add(source.invoiceId)} FROM src)
             SELECT ${delta.select} FROM src o GROUP BY ${delta.groupBy}`;
    else
      sql = `SELECT ${delta.select}
               FROM (SELECT r.*, p.start FROM (${this.recordedSql(ps, vendor, source.invoiceId)}) r
                       JOIN jsonb_to_recordset(${periods}::jsonb) AS p(start date, "end" date, types text[])
                         ON r.contract_id = ${contract} AND r.type = ANY(p.types)
                        AND r.occurred_at >= (p.start::timestamp AT TIME ZONE ${tz}) AND r.occurred_at < (p."end"::timestamp AT TIME ZONE ${tz})) o
              GROUP BY ${delta.groupBy}`;
    const deltaRows: AggRow[] = await em.query(sql, ps.values);
    if (deltaRows.length === 0) return [];
    const changed = earlier.filter((p) => deltaRows.some((r) => r.start === p.start));

    // What was billed for those periods before this invoice: +1 without a -1.
    const bs = new Params();
    const bVendor = bs.add(s.vendorId);
    const bContract = bs.add(s.contract.id);
    const bTz = bs.add(s.contract.timezone);
    const bPeriods = bs.add(this.periodsParam(changed));
    const by =
      source.kind === 'open'
        ? undefined
        : { invoiceId: bs.add(source.invoiceId), before: source.kind === 'recorded' ? bs.add(source.billedBefore) : null };
    const billedAgg = this.aggregateSql(dims, ['start'], bs);
    const billedRows: AggRow[] = await em.query(
      `SELECT ${billedAgg.select}
         FROM (SELECT ${OUTCOME_COLS}, p.start FROM ${periodsJoin(bVendor, bContract, bTz, bPeriods)}
                WHERE ${billed(1, by)} AND NOT ${billed(-1, by)}) o
        GROUP BY ${billedAgg.groupBy}`,
      bs.values,
    );

    const kpis =
      knownKpis ??
      (await this.latestKpis(
        em,
        s,
        changed.map((p) => ({ start: p.start, end: p.end, types: guaranteeKpis(p.terms) })),
      ));

    const out: PeriodAdjustmentInput[] = [];
    for (const p of changed) {
      const periodOf = (r: AggRow) => r.start === p.start;
      const billedAggs = billedRows.filter(periodOf).flatMap((r) => this.toAggregate(r, dims));
      const late = deltaRows.filter((r) => periodOf(r) && String(r.effect) === '1').flatMap((r) => this.toAggregate(r, dims));
      const reversed = deltaRows.filter((r) => periodOf(r) && String(r.effect) === '-1').flatMap((r) => this.toAggregate(r, dims));
      const period = { start: p.start, end: p.end };
      const periodKpis = kpis.filter((k) => k.periodStart === p.start).map((k) => k.kpi);
      if (late.length) out.push({ kind: 'late_verified', period, terms: p.terms, kpis: periodKpis, billed: billedAggs, delta: late });
      // Reversals are priced after the late outcomes of the same period, so the two lines add up.
      if (reversed.length)
        out.push({
          kind: 'reversal',
          period,
          terms: p.terms,
          kpis: periodKpis,
          billed: [...billedAggs, ...late],
          delta: reversed.map(negateAggregate),
        });
    }
    return out;
  }

  /** The latest verified measurement of each KPI in each period (ties: the greatest id, as the engine does). */
  private async latestKpis(
    em: EntityManager,
    s: BillingSubject,
    periods: Array<{ start: string; end: string; types: string[] }>,
  ): Promise<Array<{ periodStart: string; kpi: KpiMeasurement }>> {
    const wanted = periods.filter((p) => p.types.length > 0);
    if (wanted.length === 0) return [];
    const rows: Array<{ start: string; id: string; type: string; value: string; occurred_at: Date }> = await em.query(
      `SELECT DISTINCT ON (p.start, o.type) p.start::text AS start, o.id, o.type, COALESCE(o.quantity, o.value)::text AS value, o.occurred_at
         FROM ${periodsJoin('$1', '$2', '$3', '$4')}
        WHERE o.status = 'verified'
        ORDER BY p.start, o.type, o.occurred_at DESC, o.id DESC`,
      [s.vendorId, s.contract.id, s.contract.timezone, JSON.stringify(wanted)],
    );
    return rows.map((r) => ({
      periodStart: r.start,
      kpi: { kpi: r.type, value: normal(r.value), outcomeId: r.id, occurredAt: r.occurred_at.toISOString() },
    }));
  }

  /** The KPI measurements a finalized invoice's trace names, assigned to their periods. */
  private async kpisById(
    em: EntityManager,
    s: BillingSubject,
    ids: string[],
  ): Promise<Array<{ periodStart: string; kpi: KpiMeasurement }>> {
    if (ids.length === 0) return [];
    const rows: Array<{ local_date: string; id: string; type: string; value: string; occurred_at: Date }> = await em.query(
      `SELECT (o.occurred_at AT TIME ZONE $3)::date::text AS local_date, o.id, o.type,
              COALESCE(o.quantity, o.value)::text AS value, o.occurred_at
         FROM outcomes o WHERE o.vendor_id = $1 AND o.contract_id = $2 AND o.id = ANY($4::uuid[])`,
      [s.vendorId, s.contract.id, s.contract.timezone, ids],
    );
    // Periods are calendar months (or years): the period of a local date starts on its first day.
    const startOf = (d: string) => (s.contract.billingCycle === 'annual' ? `${d.slice(0, 4)}-01-01` : `${d.slice(0, 7)}-01`);
    return rows.map((r) => ({
      periodStart: startOf(r.local_date),
      kpi: { kpi: r.type, value: normal(r.value), outcomeId: r.id, occurredAt: r.occurred_at.toISOString() },
    }));
  }

  /** Rows a finalized invoice recorded, with the outcome's columns and the row's effect. */
  private recordedSql(ps: Params, vendor: string, invoiceId: string): string {
    return `SELECT o.*, io.effect FROM invoice_outcomes io
             CROSS JOIN LATERAL (SELECT ${OUTCOME_COLS} FROM outcomes o
                                  WHERE o.vendor_id = io.vendor_id AND o.id = io.outcome_id OFFSET 0) o
             WHERE io.vendor_id = ${vendor} AND io.invoice_id = ${ps.add(invoiceId)}`;
  }

  private periodsParam(periods: InvoicedPeriod[]): string {
    return JSON.stringify(periods.map((p) => ({ start: p.start, end: p.end, types: [...billableOutcomeTypes(p.terms).keys()] })));
  }

  /**
   * SELECT list and GROUP BY of an aggregate by type, plus one grouping set per breakdown
   * dimension, under the given leading keys.
   */
  private aggregateSql(dims: string[], keys: Array<'start' | 'effect'>, ps: Params): { select: string; groupBy: string } {
    const dimExprs = dims.map((d) => `(o.dimensions ->> ${ps.add(d)}::text)`);
    const select = [
      ...keys.map((k) => (k === 'start' ? 'o.start::text AS start' : 'o.effect::text AS effect')),
      'o.type',
      ...dimExprs.flatMap((e, i) => [`${e} AS d${i}`, `GROUPING(${e}) AS g${i}`]),
      'count(*)::text AS n',
      'sum(o.quantity)::text AS q',
      'sum(o.value)::text AS v',
      `${IDS_DIGEST_SQL} AS digest`,
    ].join(', ');
    const lead = [...keys.map((k) => `o.${k}`), 'o.type'].join(', ');
    const groupBy =
      dims.length === 0 ? lead : `GROUPING SETS ((${lead}), ${dimExprs.map((e) => `(${lead}, ${e})`).join(', ')})`;
    return { select, groupBy };
  }

  private toAggregate(r: AggRow, dims: string[]): OutcomeAggregate[] {
    const base = { count: r.n, quantitySum: normal(r.q), valueSum: normal(r.v), idsDigest: r.digest };
    const broken = dims.findIndex((_, i) => Number(r[`g${i}`]) === 0);
    if (broken < 0) return [{ outcomeType: r.type, ...base }];
    const value = r[`d${broken}`];
    if (value === null || value === undefined) return []; // outcomes without the dimension: the engine derives them from the whole row
    return [{ outcomeType: r.type, dimensions: { [dims[broken]]: String(value) }, ...base }];
  }
}

/** Outcomes of the periods in `periods` (jsonb: start, end, types), each in its contract-local bounds. */
function periodsJoin(vendor: string, contract: string, tz: string, periods: string): string {
  return `jsonb_to_recordset(${periods}::jsonb) AS p(start date, "end" date, types text[])
    JOIN outcomes o ON o.vendor_id = ${vendor} AND o.contract_id = ${contract} AND o.type = ANY(p.types)
     AND o.occurred_at >= (p.start::timestamp AT TIME ZONE ${tz}) AND o.occurred_at < (p."end"::timestamp AT TIME ZONE ${tz})`;
}

/**
 * "The outcome `o` has a row of this effect in invoice_outcomes" — from any invoice (drafts), or
 * from invoices other than the one being priced, finalized before a cut-off (reproduction).
 */
function billed(effect: 1 | -1, by?: { invoiceId: string; before: string | null }): string {
  if (!by) return `EXISTS (SELECT 1 FROM invoice_outcomes b WHERE b.vendor_id = o.vendor_id AND b.outcome_id = o.id AND b.effect = ${effect})`;
  return `EXISTS (SELECT 1 FROM invoice_outcomes b JOIN invoices bi ON bi.vendor_id = b.vendor_id AND bi.id = b.invoice_id
                   WHERE b.vendor_id = o.vendor_id AND b.outcome_id = o.id AND b.effect = ${effect} AND b.invoice_id <> ${by.invoiceId}
                     ${by.before ? `AND bi.finalized_at < ${by.before}::timestamptz` : ''})`;
}
