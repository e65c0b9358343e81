import { randomUUID } from 'node:crypto';
import { IdsDigest } from '../pricing/aggregates';
import { engineRelease, ENGINE_VERSION } from '../pricing/version';
import { AggregateAccumulator } from '../pricing/aggregates';
import { engineMismatch, uuidBytes } from './verify-bundle';

describe('offline aggregates of the bundle verifier', () => {
  it('computes the same ids digest as billing, whatever order the outcomes stream in', () => {
    const ids = Array.from({ length: 25 }, () => randomUUID());
    const agg = new AggregateAccumulator();
    for (const id of [...ids].reverse()) agg.add(uuidBytes(id), '1', '');
    expect(agg.toAggregate('report').idsDigest).toBe(IdsDigest.of(ids));
  });

  it('sums quantities and values as decimals and reports "0" for a sum with no values', () => {
    const agg = new AggregateAccumulator();
    agg.add(uuidBytes(randomUUID()), '0.1', '');
    agg.add(uuidBytes(randomUUID()), '0.2', '');
    expect(agg.toAggregate('query')).toMatchObject({ count: '2', quantitySum: '0.3', valueSum: '0' });
  });

  it('sums the measures the terms ask for per outcome, as billing’s SQL does: clamped shares and quantity × local day', () => {
    const agg = new AggregateAccumulator([
      { kind: 'clamped_share', outcomeType: 'savings', rate: '0.10', min: '5', max: '50' },
      { kind: 'quantity_days', outcomeType: 'savings' },
    ]);
    agg.add(uuidBytes(randomUUID()), '', '20', '1970-01-03');
    agg.add(uuidBytes(randomUUID()), '2', '900', '1970-01-11');
    expect(agg.toAggregate('savings').measures).toEqual({ 'clamp(0.10 × value, 5, 50)': '55', 'quantity × local day': '20' });
  });

  it('refuses another engine’s invoices by naming the verifier release that recomputes them', () => {
    expect(engineMismatch('outcome-ledger-pricing/0.9.0')).toBe(
      `bundle priced with engine 0.9.0; this verifier is ${engineRelease(ENGINE_VERSION)} — install @outcome-ledger/verify@0.9.0`,
    );
  });
});
