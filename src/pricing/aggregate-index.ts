// The aggregates of a period, indexed by (outcome type, dimensions): what charge models read.
import { canonicalJson, sha256Hex } from '../kernel/canonical-json';
import { dec, plain } from '../kernel/decimal';
import { checkDecimal, PricingInputError } from './input-error';
import type { OutcomeAggregate } from './types';

/** One aggregate row, its decimal fields checked. */
export interface Agg {
  outcomeType: string;
  dimensions?: Record<string, string>;
  count: string;
  quantitySum: string;
  valueSum: string;
  measures?: Record<string, string>;
  idsDigest: string | null;
}

/** A row's measure, required when the row has outcomes (every producer computes what the terms ask for). */
export function measureOf(row: Agg | undefined, key: string): string {
  if (!row) return '0';
  const v = row.measures?.[key];
  if (v === undefined) {
    if (dec(row.count).isZero()) return '0';
    throw new PricingInputError(`aggregate of ${row.outcomeType} lacks the measure "${key}"`);
  }
  return v;
}

function dimsKey(dimensions?: Record<string, string>): string {
  return dimensions && Object.keys(dimensions).length > 0 ? canonicalJson(dimensions) : '';
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class AggregateIndex {
  private readonly rows = new Map<string, Agg>();

  constructor(lists: OutcomeAggregate[][], what: string) {
    lists.forEach((list, l) => {
      if (!Array.isArray(list)) throw new PricingInputError(`${what} must be an array`);
      list.forEach((row, i) => this.add(row, `${what}[${l > 0 ? `${l}:` : ''}${i}]`));
    });
  }

  private add(row: OutcomeAggregate, where: string): void {
    if (!row || typeof row.outcomeType !== 'string') throw new PricingInputError(`${where}.outcomeType must be a string`);
    const count = checkDecimal(row.count, `${where}.count`);
    const quantitySum = checkDecimal(row.quantitySum, `${where}.quantitySum`);
    const valueSum = checkDecimal(row.valueSum, `${where}.valueSum`);
    let measures: Record<string, string> | undefined;
    if (row.measures !== undefined) {
      if (typeof row.measures !== 'object' || row.measures === null) throw new PricingInputError(`${where}.measures must be an object`);
      measures = {};
      for (const k of Object.keys(row.measures).sort()) measures[k] = checkDecimal(row.measures[k], `${where}.measures[${JSON.stringify(k)}]`);
    }
    const dk = dimsKey(row.dimensions);
    const key = `${row.outcomeType}\u0000${dk}`;
    const prior = this.rows.get(key);
    const dimensions = dk === '' ? undefined : { ...row.dimensions! };
    if (!prior) {
      this.rows.set(key, { outcomeType: row.outcomeType, dimensions, count, quantitySum, valueSum, ...(measures ? { measures } : {}), idsDigest: row.idsDigest ?? null });
      return;
    }
    // Same (type, dimensions) twice: billed + delta, or a split input. Add counts and sums.
    this.rows.set(key, {
      outcomeType: row.outcomeType,
      dimensions,
      count: plain(dec(prior.count).plus(count)),
      quantitySum: plain(dec(prior.quantitySum).plus(quantitySum)),
      valueSum: plain(dec(prior.valueSum).plus(valueSum)),
      ...(prior.measures || measures ? { measures: addMeasures(prior.measures, measures) } : {}),
      idsDigest: sha256Hex([prior.idsDigest ?? '', row.idsDigest ?? ''].join('\n')),
    });
  }

  /** The row of the whole type (no dimensions). */
  whole(outcomeType: string): Agg | undefined {
    return this.rows.get(`${outcomeType}\u0000`);
  }

  /** Rows broken down by exactly this one dimension, sorted by its value (code-unit order). */
  byDimension(outcomeType: string, dimension: string): Agg[] {
    const out: Agg[] = [];
    for (const row of this.rows.values()) {
      if (row.outcomeType !== outcomeType || !row.dimensions) continue;
      const keys = Object.keys(row.dimensions);
      if (keys.length === 1 && keys[0] === dimension) out.push(row);
    }
    return out.sort((a, b) => compareStrings(a.dimensions![dimension], b.dimensions![dimension]));
  }

  /** Rows of a type: the whole row when present, else every row of the type. */
  rowsOf(outcomeType: string): Agg[] {
    const whole = this.whole(outcomeType);
    if (whole) return [whole];
    return [...this.rows.values()].filter((r) => r.outcomeType === outcomeType);
  }

  types(): Set<string> {
    return new Set([...this.rows.values()].map((r) => r.outcomeType));
  }
}

function addMeasures(a: Record<string, string> | undefined, b: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].sort())
    out[k] = plain(dec(a?.[k] ?? '0').plus(b?.[k] ?? '0'));
  return out;
}

/** An aggregate row as the trace records it (zeros when there is none). */
export function aggInputs(row: Agg | undefined): Record<string, unknown> {
  return {
    count: row?.count ?? '0',
    quantitySum: row?.quantitySum ?? '0',
    valueSum: row?.valueSum ?? '0',
    idsDigest: row?.idsDigest ?? null,
  };
}
