import { dec, plain } from '../kernel/decimal';
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
