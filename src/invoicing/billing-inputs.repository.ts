import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Money } from '../common/money';
import type { Contract } from '../contracts/entities/contract.entity';
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
 * The order-independent digest of the ids an aggregate covers, computed in SQL: the first 8 bytes
 * of md5(id) XOR-ed over the rows, twice with different salts (128 bits), hex. Chosen over
 * sha256(string_agg(id ORDER BY id)) because sorting and concatenating a million ids cost more than
 * the aggregate itself (see test/bench/invoice.bench.ts); the exact ids of a finalized invoice are
 * in invoice_outcomes anyway, and the digest is easy to recompute offline (md5 + xor).
 */
export const IDS_DIGEST_SQL = `
  'xor-md5-128:' || lpad(to_hex(bit_xor(('x' || left(md5(o.id::text), 16))::bit(64)::bigint)), 16, '0')
                 || lpad(to_hex(bit_xor(('x' || right(md5(o.id::text), 16))::bit(64)::bigint)), 16, '0')`;

/** Where the outcomes of an invoice come from. */
export type OutcomeSource =
  /** A draft: what would be billed if the invoice were finalized now. */
  | { kind: 'open' }
  /**
   * What a finalizing or finalized invoice recorded in invoice_outcomes; "already billed" means
   * recorded by other invoices finalized before `billedBefore` (null: every other invoice).
   */
  | { kind: 'recorded'; invoiceId: string; billedBefore: Date | null };

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

/**
 * Builds the pricing engine's input from SQL aggregates: one aggregate per period (by type, and by
 * breakdown dimension with GROUPING SETS), never a period's rows in memory.
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
   * Records, for a finalizing invoice, exactly which outcomes it bills: the period's verified
   * billable outcomes not billed yet (+1), earlier invoiced periods' outcomes verified late (+1)
   * and already billed outcomes since reversed (-1). The primary key of invoice_outcomes refuses a
   * second claim of the same outcome (a concurrent finalization), which the caller retries.
   */
  async claim(em: EntityManager, s: BillingSubject, invoiceId: string, earlier: InvoicedPeriod[]): Promise<void> {
    const tz = s.contract.timezone;
    await em.query(
      `INSERT INTO invoice_outcomes (vendor_id, outcome_id, effect, invoice_id)
       SELECT o.vendor_id, o.id, 1, $7 FROM outcomes o
        WHERE ${this.openPeriodWhere()}`,
      [s.vendorId, s.contract.id, [...billableOutcomeTypes(s.terms).keys()], s.period.start, s.period.end, tz, invoiceId],
    );
    if (earlier.length === 0) return;
    await em.query(
      `INSERT INTO invoice_outcomes (vendor_id, outcome_id, effect, invoice_id)
       SELECT o.vendor_id, o.id, CASE WHEN o.status = 'verified' THEN 1 ELSE -1 END, $5
         FROM ${this.periodsJoin()}
        WHERE ${this.openDeltaWhere()}`,
      [s.vendorId, s.contract.id, tz, this.periodsParam(earlier), invoiceId],
    );
  }

  /** The engine input of an invoice: its period's aggregates, KPI measurements and adjustments. */
  async pricingInput(
    em: EntityManager,
    s: BillingSubject,
    source: OutcomeSource,
    earlier: InvoicedPeriod[],
    kpiIds?: string[],
  ): Promise<PricingInput> {
    const tz = s.contract.timezone;
    const dims = breakdownDimensions([s.terms, ...earlier.map((p) => p.terms)]);
    const types = [...billableOutcomeTypes(s.terms).keys()];

    // This period.
    const agg = this.aggregateSql(dims, [], 7);
    const from =
      source.kind === 'open'
        ? `outcomes o WHERE ${this.openPeriodWhere()}`
        : `invoice_outcomes io JOIN outcomes o ON o.vendor_id = io.vendor_id AND o.id = io.outcome_id
            WHERE io.vendor_id = $1 AND io.invoice_id = $${7 + dims.length} AND io.effect = 1 AND o.contract_id = $2
              AND o.type = ANY($3::text[])
              AND o.occurred_at >= ($4::timestamp AT TIME ZONE $6) AND o.occurred_at < ($5::timestamp AT TIME ZONE $6)`;
    const rows: AggRow[] = await em.query(`SELECT ${agg.select} FROM ${from} GROUP BY ${agg.groupBy}`, [
      s.vendorId,
      s.contract.id,
      types,
      s.period.start,
      s.period.end,
      tz,
      ...dims,
      ...(source.kind === 'recorded' ? [source.invoiceId] : []),
    ]);
    const aggregates = rows.flatMap((r) => this.toAggregate(r, dims));

    const kpiMeasurements = kpiIds
      ? await this.kpisById(em, s, kpiIds)
      : await this.latestKpis(em, s, [{ start: s.period.start, end: s.period.end, types: guaranteeKpis(s.terms) }]);
    const kpis = kpiMeasurements.filter((k) => k.periodStart === s.period.start).map((k) => k.kpi);

    const adjustments = earlier.length ? await this.adjustments(em, s, source, earlier, dims, kpiMeasurements, !!kpiIds) : [];
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
    knownKpis: Array<{ periodStart: string; kpi: KpiMeasurement }>,
    kpisGiven: boolean,
  ): Promise<PeriodAdjustmentInput[]> {
    const tz = s.contract.timezone;
    const periods = this.periodsParam(earlier);
    const base = [s.vendorId, s.contract.id, tz, periods];
    // Changes since those periods were invoiced, per period and direction.
    const delta = this.aggregateSql(dims, ['start', 'effect'], 5);
    const deltaFrom =
      source.kind === 'open'
        ? `SELECT o.*, p.start, CASE WHEN o.status = 'verified' THEN 1 ELSE -1 END AS effect
             FROM ${this.periodsJoin()} WHERE ${this.openDeltaWhere()}`
        : `SELECT o.*, p.start, io.effect
             FROM ${this.periodsJoin()}
             JOIN invoice_outcomes io ON io.vendor_id = o.vendor_id AND io.outcome_id = o.id AND io.invoice_id = $${5 + dims.length}`;
    const deltaRows: AggRow[] = await em.query(`SELECT ${delta.select} FROM (${deltaFrom}) o GROUP BY ${delta.groupBy}`, [
      ...base,
      ...dims,
      ...(source.kind === 'recorded' ? [source.invoiceId] : []),
    ]);
    if (deltaRows.length === 0) return [];
    const changed = earlier.filter((p) => deltaRows.some((r) => r.start === p.start));

    // What those periods' finalized invoices already billed: +1 without a -1.
    const billedWhere = (effect: 1 | -1) =>
      source.kind === 'open'
        ? `EXISTS (SELECT 1 FROM invoice_outcomes b WHERE b.vendor_id = o.vendor_id AND b.outcome_id = o.id AND b.effect = ${effect})`
        : `EXISTS (SELECT 1 FROM invoice_outcomes b JOIN invoices bi ON bi.vendor_id = b.vendor_id AND bi.id = b.invoice_id
                    WHERE b.vendor_id = o.vendor_id AND b.outcome_id = o.id AND b.effect = ${effect}
                      AND b.invoice_id <> $${5 + dims.length}
                      AND ($${6 + dims.length}::timestamptz IS NULL OR bi.finalized_at < $${6 + dims.length}::timestamptz))`;
    const billed = this.aggregateSql(dims, ['start'], 5);
    const billedRows: AggRow[] = await em.query(
      `SELECT ${billed.select}
         FROM (SELECT o.*, p.start FROM ${this.periodsJoin()} WHERE ${billedWhere(1)} AND NOT ${billedWhere(-1)}) o
        GROUP BY ${billed.groupBy}`,
      [
        s.vendorId,
        s.contract.id,
        tz,
        this.periodsParam(changed),
        ...dims,
        ...(source.kind === 'recorded' ? [source.invoiceId, source.billedBefore] : []),
      ],
    );

    const kpis = kpisGiven
      ? knownKpis
      : await this.latestKpis(
          em,
          s,
          changed.map((p) => ({ start: p.start, end: p.end, types: guaranteeKpis(p.terms) })),
        );

    const out: PeriodAdjustmentInput[] = [];
    for (const p of changed) {
      const periodOf = (r: AggRow) => r.start === p.start;
      const billedAggs = billedRows.filter(periodOf).flatMap((r) => this.toAggregate(r, dims));
      const late = deltaRows.filter((r) => periodOf(r) && Number(r.effect) === 1).flatMap((r) => this.toAggregate(r, dims));
      const reversed = deltaRows.filter((r) => periodOf(r) && Number(r.effect) === -1).flatMap((r) => this.toAggregate(r, dims));
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
          delta: reversed.map(negate),
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
         FROM ${this.periodsJoin()}
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
    // A month or year starts on day 1: the period start of a local date is its truncation.
    const startOf = (d: string) => (s.contract.billingCycle === 'annual' ? `${d.slice(0, 4)}-01-01` : `${d.slice(0, 7)}-01`);
    return rows.map((r) => ({
      periodStart: startOf(r.local_date),
      kpi: { kpi: r.type, value: normal(r.value), outcomeId: r.id, occurredAt: r.occurred_at.toISOString() },
    }));
  }

  // ---------------------------------------------------------------------------------------------
  // SQL fragments. $1 vendor, $2 contract throughout.

  /** This period ($4..$5 local dates in timezone $6), verified, of a billable type ($3), not billed yet. */
  private openPeriodWhere(): string {
    return `o.vendor_id = $1 AND o.contract_id = $2 AND o.type = ANY($3::text[]) AND o.status = 'verified'
        AND o.occurred_at >= ($4::timestamp AT TIME ZONE $6) AND o.occurred_at < ($5::timestamp AT TIME ZONE $6)
        AND NOT EXISTS (SELECT 1 FROM invoice_outcomes b WHERE b.vendor_id = o.vendor_id AND b.outcome_id = o.id AND b.effect = 1)`;
  }

  /** Outcomes of the periods in $4 (jsonb: start, end, types) in timezone $3. */
  private periodsJoin(): string {
    return `jsonb_to_recordset($4::jsonb) AS p(start date, "end" date, types text[])
      JOIN outcomes o ON o.vendor_id = $1 AND o.contract_id = $2 AND o.type = ANY(p.types)
       AND o.occurred_at >= (p.start::timestamp AT TIME ZONE $3) AND o.occurred_at < (p."end"::timestamp AT TIME ZONE $3)`;
  }

  /** Verified but never billed (late), or billed and since reversed but not yet taken back. */
  private openDeltaWhere(): string {
    const billed = (effect: number) =>
      `EXISTS (SELECT 1 FROM invoice_outcomes b WHERE b.vendor_id = o.vendor_id AND b.outcome_id = o.id AND b.effect = ${effect})`;
    return `((o.status = 'verified' AND NOT ${billed(1)}) OR (o.status = 'reversed' AND ${billed(1)} AND NOT ${billed(-1)}))`;
  }

  private periodsParam(periods: InvoicedPeriod[]): string {
    return JSON.stringify(periods.map((p) => ({ start: p.start, end: p.end, types: [...billableOutcomeTypes(p.terms).keys()] })));
  }

  /**
   * SELECT list and GROUP BY of an aggregate by type, plus one grouping set per breakdown
   * dimension (its parameters start at $firstDimParam), under the given leading keys.
   */
  private aggregateSql(dims: string[], keys: Array<'start' | 'effect'>, firstDimParam: number): { select: string; groupBy: string } {
    const dimExprs = dims.map((_, i) => `(o.dimensions ->> $${firstDimParam + i}::text)`);
    const select = [
      ...keys.map((k) => (k === 'start' ? 'o.start::text AS start' : 'o.effect AS effect')),
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

function negate(a: OutcomeAggregate): OutcomeAggregate {
  const neg = (v: string) => new Money(v).negated().toFixed();
  return { ...a, count: neg(a.count), quantitySum: neg(a.quantitySum), valueSum: neg(a.valueSum) };
}
