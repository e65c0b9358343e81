import type Decimal from 'decimal.js';
import { dec, plain, ZERO } from '../kernel/decimal';
import { type AggregateMeasure, measureKey, measureOfOutcome } from './charges/measures';
import type { OutcomeAggregate } from './types';

/**
 * The ids digest of an aggregate: `xor128:` and the hex XOR of the outcomes' 16-byte ids.
 * Order-independent, so billing computes it in SQL (IDS_DIGEST_SQL) and the offline verifier
 * accumulates it while streaming outcomes, without a list of ids. The exact ids of a finalized
 * invoice are recorded in invoice_outcomes; the trace's SHA-256 covers the whole calculation.
 */
export class IdsDigest {
  private readonly acc = Buffer.alloc(16);

  static of(ids: Iterable<string>): string {
    const d = new IdsDigest();
    for (const id of ids) d.add(Buffer.from(id.replace(/-/g, ''), 'hex'));
    return d.toString();
  }

  add(idBytes: Buffer): void {
    for (let i = 0; i < 16; i++) this.acc[i] ^= idBytes[i];
  }

  toString(): string {
    return `xor128:${this.acc.toString('hex')}`;
  }
}

/** The same aggregate with count and sums negated: reversals enter adjustments this way. */
export function negateAggregate(a: OutcomeAggregate): OutcomeAggregate {
  const neg = (v: string) => plain(dec(v).negated());
  const measures = a.measures ? Object.fromEntries(Object.entries(a.measures).map(([k, v]) => [k, neg(v)])) : undefined;
  return { ...a, count: neg(a.count), quantitySum: neg(a.quantitySum), valueSum: neg(a.valueSum), ...(measures ? { measures } : {}) };
}

/**
 * One aggregate, built outcome by outcome (the offline verifier while streaming a bundle, a quote
 * from its sample). The same figures as billing's SQL: count, sums of the quantities and values
 * present (`''` is absent, as SQL's NULL), and the ids digest (IDS_DIGEST_SQL in
 * src/invoicing/billing-inputs.repository.ts) without a list of ids.
 */
export class AggregateAccumulator {
  count = 0;
  quantity: Decimal | null = null;
  value: Decimal | null = null;
  private readonly ids = new IdsDigest();
  /** The charge models' measures of this row's outcome type, summed per outcome as billing's SQL does. */
  private readonly sums: Decimal[];
  constructor(private readonly measures: AggregateMeasure[] = []) {
    this.sums = measures.map(() => ZERO);
  }
  /** `caseCharge`: what the outcome adds to a `cases` measure (`CaseBook` works it out; 0 when unknown yet, see `addCaseCharge`). */
  add(idBytes: Buffer, quantity: string, value: string, localDate = '', caseCharge: 0 | 1 = 0): void {
    this.count++;
    if (quantity !== '') this.quantity = (this.quantity ?? ZERO).plus(quantity);
    if (value !== '') this.value = (this.value ?? ZERO).plus(value);
    this.ids.add(idBytes);
    this.measures.forEach((m, i) => {
      this.sums[i] = this.sums[i].plus(measureOfOutcome(m, { quantity: quantity === '' ? null : quantity, value: value === '' ? null : value, localDate, caseCharge }));
    });
  }
  /** One more case charged by an outcome already added (a case's charge is known once all its outcomes were seen). */
  addCaseCharge(dimension: string): void {
    this.measures.forEach((m, i) => {
      if (m.kind === 'cases' && m.dimension === dimension) this.sums[i] = this.sums[i].plus(1);
    });
  }
  toAggregate(outcomeType: string, dimensions?: Record<string, string>): OutcomeAggregate {
    return {
      outcomeType,
      ...(dimensions ? { dimensions } : {}),
      count: String(this.count),
      quantitySum: this.quantity ? plain(this.quantity) : '0',
      valueSum: this.value ? plain(this.value) : '0',
      ...(this.measures.length ? { measures: Object.fromEntries(this.measures.map((m, i) => [measureKey(m), plain(this.sums[i])])) } : {}),
      idsDigest: this.ids.toString(),
    };
  }
}

/** A period's aggregates by (type) and (type, one breakdown dimension), as billing's GROUPING SETS makes them. */
export class PeriodAggregates {
  private readonly rows = new Map<string, { type: string; dim?: [string, string]; agg: AggregateAccumulator }>();
  constructor(
    private readonly dims: string[],
    private readonly measures: AggregateMeasure[] = [],
  ) {}
  /** `localDate`: the outcome's date in the contract's timezone (measures may read it). */
  add(o: { type: string; quantity: string; value: string }, dimensions: Record<string, unknown>, idBytes: Buffer, localDate = ''): void {
    this.bump(o.type, undefined, o, idBytes, localDate);
    for (const d of this.dims) {
      const v = dimensions[d];
      if (v === undefined || v === null) continue;
      this.bump(o.type, [d, typeof v === 'string' ? v : JSON.stringify(v)], o, idBytes, localDate);
    }
  }
  private bump(type: string, dim: [string, string] | undefined, o: { quantity: string; value: string }, idBytes: Buffer, localDate: string) {
    const key = dim ? `${type}\u0000${dim[0]}\u0000${dim[1]}` : `${type}\u0000`;
    let row = this.rows.get(key);
    if (!row) this.rows.set(key, (row = { type, dim, agg: new AggregateAccumulator(this.measures.filter((m) => m.outcomeType === type)) }));
    row.agg.add(idBytes, o.quantity, o.value, localDate);
  }
  /** One more case charged by an outcome already added with these dimensions (every row it went to, as SQL's grouping sets count it). */
  addCaseCharge(type: string, dimensions: Record<string, unknown>, caseDimension: string): void {
    this.rows.get(`${type}\u0000`)?.agg.addCaseCharge(caseDimension);
    for (const d of this.dims) {
      const v = dimensions[d];
      if (v === undefined || v === null) continue;
      this.rows.get(`${type}\u0000${d}\u0000${typeof v === 'string' ? v : JSON.stringify(v)}`)?.agg.addCaseCharge(caseDimension);
    }
  }
  get size(): number {
    return this.rows.size;
  }
  list(): OutcomeAggregate[] {
    return [...this.rows.values()].map((r) => r.agg.toAggregate(r.type, r.dim ? { [r.dim[0]]: r.dim[1] } : undefined));
  }
}
