import type Decimal from 'decimal.js';
import { dec, plain, ZERO } from '../kernel/decimal';
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
  return { ...a, count: neg(a.count), quantitySum: neg(a.quantitySum), valueSum: neg(a.valueSum) };
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
  add(idBytes: Buffer, quantity: string, value: string): void {
    this.count++;
    if (quantity !== '') this.quantity = (this.quantity ?? ZERO).plus(quantity);
    if (value !== '') this.value = (this.value ?? ZERO).plus(value);
    this.ids.add(idBytes);
  }
  toAggregate(outcomeType: string, dimensions?: Record<string, string>): OutcomeAggregate {
    return {
      outcomeType,
      ...(dimensions ? { dimensions } : {}),
      count: String(this.count),
      quantitySum: this.quantity ? plain(this.quantity) : '0',
      valueSum: this.value ? plain(this.value) : '0',
      idsDigest: this.ids.toString(),
    };
  }
}

/** A period's aggregates by (type) and (type, one breakdown dimension), as billing's GROUPING SETS makes them. */
export class PeriodAggregates {
  private readonly rows = new Map<string, { type: string; dim?: [string, string]; agg: AggregateAccumulator }>();
  constructor(private readonly dims: string[]) {}
  add(o: { type: string; quantity: string; value: string }, dimensions: Record<string, unknown>, idBytes: Buffer): void {
    this.bump(o.type, undefined, o, idBytes);
    for (const d of this.dims) {
      const v = dimensions[d];
      if (v === undefined || v === null) continue;
      this.bump(o.type, [d, typeof v === 'string' ? v : JSON.stringify(v)], o, idBytes);
    }
  }
  private bump(type: string, dim: [string, string] | undefined, o: { quantity: string; value: string }, idBytes: Buffer) {
    const key = dim ? `${type}\u0000${dim[0]}\u0000${dim[1]}` : `${type}\u0000`;
    let row = this.rows.get(key);
    if (!row) this.rows.set(key, (row = { type, dim, agg: new AggregateAccumulator() }));
    row.agg.add(idBytes, o.quantity, o.value);
  }
  get size(): number {
    return this.rows.size;
  }
  list(): OutcomeAggregate[] {
    return [...this.rows.values()].map((r) => r.agg.toAggregate(r.type, r.dim ? { [r.dim[0]]: r.dim[1] } : undefined));
  }
}
