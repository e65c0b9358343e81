import fc from 'fast-check';
import { dec } from '../../kernel/decimal';
import { priceInvoice } from '../engine';
import { monthPeriod } from '../period';
import { parseTerms } from '../terms';
import type { OutcomeAggregate, PricedInvoice, PricingContract, PricingInput, PricingResult, Terms } from '../types';
import { bandedShare, type ValueShareBand, type ValueShareComponent } from './value-share';

const contract: PricingContract = { currency: 'USD', timezone: 'UTC', taxRate: '0', startsOn: '2026-01-01', billingCycle: 'monthly' };
const march = monthPeriod('2026-03');
const february = monthPeriod('2026-02');
const RUNS = { numRuns: 200 };

function agg(valueSum: string, count = '1'): OutcomeAggregate {
  return { outcomeType: 'savings', count, quantitySum: '0', valueSum, idsDigest: `xor128:${'0'.repeat(32)}` };
}

function ok(result: PricingResult): PricedInvoice {
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.reason}`);
  return result;
}

function run(terms: Terms, aggregates: OutcomeAggregate[], extra: Partial<PricingInput> = {}): PricedInvoice {
  return ok(priceInvoice({ contract, terms, period: march, aggregates, kpis: [], ...extra }));
}

const share = (more: Partial<ValueShareComponent> = {}): Terms => ({
  components: [{ type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'customer', ...more }],
});

// Three bands: 10 % up to 1,000 (5.00 on entry), 5 % up to 5,000 (20.00 on entry), 2 % above.
const BANDS: ValueShareBand[] = [
  { upTo: '1000', rate: '0.10', flatAmount: '5' },
  { upTo: '5000', rate: '0.05', flatAmount: '20' },
  { upTo: null, rate: '0.02' },
];
const banded = (more: Partial<ValueShareComponent> = {}): Terms => ({
  components: [{ type: 'value_share', bands: BANDS, outcomeType: 'savings', verification: 'customer', ...more }],
});

const line = (inv: PricedInvoice) => [inv.lines[0].amount, inv.trace.lines[0].formula];

/** The late-verified adjustment a period billed with `billed` gets when `delta` is verified late, under `terms`. */
function lateAdjustment(terms: Terms, billed: OutcomeAggregate[], delta: OutcomeAggregate[], kind: 'late_verified' | 'reversal' = 'late_verified'): string[] {
  const inv = run(terms, [], { adjustments: [{ kind, period: february, terms, kpis: [], billed, delta }] });
  return inv.lines.filter((l) => l.kind === 'adjustment').map((l) => l.amount);
}

describe('free value on a value share', () => {
  it.each([
    ['below the free value: nothing', '800', '0.00', '0.10 × max(800 − 1000, 0)'],
    ['exactly the free value: nothing', '1000', '0.00', '0.10 × max(1000 − 1000, 0)'],
    ['above it: the rate of the rest', '2500', '150.00', '0.10 × max(2500 − 1000, 0)'],
  ])('%s (10 %% of 1,000 free, value %s)', (_n, value, amount, formula) => {
    const inv = run(share({ freeValue: '1000' }), [agg(value)]);
    expect(line(inv)).toEqual([amount, formula]);
    expect(inv.lines[0].quantity).toBe(value);
  });

  it('records how much of the free value was used and what was charged', () => {
    expect(run(share({ freeValue: '1000' }), [agg('600')]).trace.lines[0].inputs).toMatchObject({ freeValue: '1000', freeValueUsed: '600', chargedValue: '0' });
  });

  it('frees value, never a loss: a negative period under allowNegative is shared in full', () => {
    expect(run(share({ freeValue: '1000', allowNegative: true }), [agg('-300')]).lines[0].amount).toBe('-30.00');
  });

  it('is used up by the period it was billed in: a late outcome is charged only past what is left', () => {
    expect(lateAdjustment(share({ freeValue: '1000' }), [agg('800')], [agg('150')])).toEqual([]);
    expect(lateAdjustment(share({ freeValue: '1000' }), [agg('800')], [agg('300')])).toEqual(['10.00']);
    expect(lateAdjustment(share({ freeValue: '1000' }), [agg('1200')], [agg('300')])).toEqual(['30.00']);
  });

  it('must not be negative', () => {
    expect(parseTerms(share({ freeValue: '-1' }))).toMatchObject({ ok: false, errors: [{ path: 'components[0].freeValue', message: 'must not be negative, got "-1"' }] });
  });

  it('never charges more than without it, and exactly the rate of what is above it (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: BigInt(-10) ** BigInt(8), max: BigInt(10) ** BigInt(9) }), fc.bigInt({ min: BigInt(0), max: BigInt(10) ** BigInt(9) }), (v, f) => {
        const value = (v / BigInt(100)).toString();
        const free = f.toString();
        const withFree = dec(run(share({ freeValue: free }), [agg(value)]).lines[0].unroundedAmount);
        const without = dec(run(share(), [agg(value)]).lines[0].unroundedAmount);
        expect(withFree.lessThanOrEqualTo(without)).toBe(true);
        const rest = dec(value).minus(free);
        expect(withFree.eq(rest.greaterThan(0) ? rest.times('0.10') : '0')).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('graduated percentage bands on a value share', () => {
  it.each([
    ['nothing verified costs nothing, not even the first flat amount', '0', '0.00', '0'],
    ['inside the first band: its rate and its flat amount', '500', '55.00', '(0.10 × 500 + 5)'],
    ['at the first bound, inclusive', '1000', '105.00', '(0.10 × 1000 + 5)'],
    ['one cent past it enters the second band', '1000.01', '125.00', '(0.10 × 1000 + 5 + 0.05 × 0.01 + 20)'],
    ['into the last band', '7500', '375.00', '(0.10 × 1000 + 5 + 0.05 × 4000 + 20 + 0.02 × 2500)'],
  ])('%s (value %s)', (_n, value, amount, formula) => {
    const inv = run(banded(), [agg(value)]);
    expect(line(inv)).toEqual([amount, formula]);
    expect(inv.lines[0]).toMatchObject({ quantity: value, unitPrice: null, description: 'Graduated share of verified savings' });
  });

  it('lists each band reached in the trace', () => {
    expect(run(banded(), [agg('1200')]).trace.lines[0].inputs).toMatchObject({
      pricing: 'bands_graduated',
      bands: [
        { from: '0', upTo: '1000', value: '1000', rate: '0.10', flatAmount: '5', amount: '105' },
        { from: '1000', upTo: '5000', value: '200', rate: '0.05', flatAmount: '20', amount: '30' },
      ],
    });
  });

  it('counts the whole period: a late outcome is priced in the band the period reached', () => {
    // Billed 900 → 95.00; with 200 more the period is 1,100 → 130.00: the adjustment is 35.00.
    expect(lateAdjustment(banded(), [agg('900')], [agg('200')])).toEqual(['35.00']);
    // Reversing 200 of a 1,100 period takes the second band's entry back with it.
    expect(lateAdjustment(banded(), [agg('1100', '2')], [agg('-200', '-1')], 'reversal')).toEqual(['-35.00']);
  });

  it('applies free value before the bands', () => {
    expect(line(run(banded({ freeValue: '1000' }), [agg('7500')]))).toEqual(['355.00', 'bands(max(7500 − 1000, 0)) = (0.10 × 1000 + 5 + 0.05 × 4000 + 20 + 0.02 × 1500)']);
  });

  it('is exclusive with rate and refuses bad bands, naming each field', () => {
    const errors = (terms: unknown) => {
      const r = parseTerms(terms);
      return r.ok ? [] : r.errors.map((e) => e.path);
    };
    expect(errors(banded({ rate: '0.1' }))).toEqual(['components[0].rate']);
    expect(errors(banded({ allowNegative: true }))).toEqual(['components[0].allowNegative']);
    expect(errors({ components: [{ type: 'value_share', outcomeType: 'savings', verification: 'customer' }] })).toEqual(['components[0].rate']);
    expect(
      errors({
        components: [{
          type: 'value_share', outcomeType: 'savings', verification: 'customer',
          bands: [{ upTo: '1000', rate: '1.5' }, { upTo: '500', rate: '0.1', flatAmount: '-1' }, { upTo: '9000', rate: '0.1', extra: 1 }],
        }],
      }),
    ).toEqual(['components[0].bands[0].rate', 'components[0].bands[1].flatAmount', 'components[0].bands[1].upTo', 'components[0].bands[2].extra', 'components[0].bands[2].upTo']);
    expect(errors(banded({ bands: [] }))).toEqual(['components[0].bands']);
    expect(errors(banded({ bands: [{ upTo: null, rate: '0.1' }, { upTo: null, rate: '0.1' }] }))).toEqual(['components[0].bands[0].upTo']);
    expect(parseTerms(banded()).ok).toBe(true);
  });

  const bandsArb: fc.Arbitrary<ValueShareBand[]> = fc
    .uniqueArray(fc.bigInt({ min: BigInt(1), max: BigInt(10) ** BigInt(7) }), { minLength: 0, maxLength: 3 })
    .chain((bounds) =>
      fc
        .array(fc.tuple(fc.bigInt({ min: BigInt(0), max: BigInt(10000) }), fc.option(fc.bigInt({ min: BigInt(0), max: BigInt(10) ** BigInt(5) }), { nil: undefined })), {
          minLength: bounds.length + 1,
          maxLength: bounds.length + 1,
        })
        .map((parts) => {
          const sorted = [...bounds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          return parts.map(([r, flat], i) => ({
            upTo: i < sorted.length ? sorted[i].toString() : null,
            rate: dec(r.toString()).div(10000).toFixed(),
            ...(flat !== undefined ? { flatAmount: flat.toString() } : {}),
          }));
        }),
    );
  const valueArb = fc.bigInt({ min: BigInt(0), max: BigInt(10) ** BigInt(10) }).map((n) => dec(n.toString()).div(100));

  it('never charges less for more value, and one band at a rate is that rate of the value (property)', () => {
    fc.assert(
      fc.property(bandsArb, valueArb, valueArb, (bands, a, b) => {
        const [lo, hi] = a.lessThan(b) ? [a, b] : [b, a];
        expect(bandedShare(bands, lo).amount.lessThanOrEqualTo(bandedShare(bands, hi).amount)).toBe(true);
        expect(bandedShare([{ upTo: null, rate: bands[0].rate }], hi).amount.eq(hi.times(bands[0].rate))).toBe(true);
      }),
      RUNS,
    );
  });

  it('is the sum of each band’s rate on its slice plus the flat amounts of the bands entered (property)', () => {
    fc.assert(
      fc.property(bandsArb, valueArb, (bands, value) => {
        let expected = dec('0');
        let lower = dec('0');
        for (const band of bands) {
          const upper = band.upTo === null ? value : dec(band.upTo);
          if (value.greaterThan(lower)) expected = expected.plus(dec(band.flatAmount ?? '0')).plus((value.lessThan(upper) ? value : upper).minus(lower).times(band.rate));
          lower = upper;
        }
        expect(bandedShare(bands, value).amount.toFixed()).toBe(expected.toFixed());
        // Splitting a band at any point inside it, with the same rate and no flat amount, changes nothing.
        if (bands[0].upTo !== null && dec(bands[0].upTo).greaterThan(1)) {
          const noFlat = bands.map((b, i) => (i === 0 ? { upTo: b.upTo, rate: b.rate } : b));
          const splitNoFlat = [{ upTo: '1', rate: bands[0].rate }, ...noFlat];
          expect(bandedShare(splitNoFlat, value).amount.toFixed()).toBe(bandedShare(noFlat, value).amount.toFixed());
        }
      }),
      RUNS,
    );
  });
});

describe('a fixed fee per transaction beside the rate', () => {
  it.each([
    ['three outcomes worth 1,000: the share plus three fees', '1000', '3', '101.50', '0.10 × 1000 + 0.50 × 3'],
    ['a fee is due even when the share is zero', '0', '4', '2.00', '0.10 × 0 + 0.50 × 4'],
    ['a loss floors the share at zero, not the fees', '-500', '2', '1.00', 'max(0.10 × -500, 0) + 0.50 × 2'],
  ])('%s', (_n, value, count, amount, formula) => {
    const inv = run(share({ perTransactionFee: '0.50' }), [agg(value, count)]);
    expect(line(inv)).toEqual([amount, formula]);
    expect(inv.lines[0].description).toBe('10% of verified savings + 0.50 per outcome');
    expect(inv.trace.lines[0].inputs).toMatchObject({ perTransactionFee: '0.50', transactions: count });
  });

  it('adds its fee to graduated bands and after free value, and the floor bounds the whole line', () => {
    expect(line(run(banded({ freeValue: '1000', perTransactionFee: '0.25' }), [agg('7500', '10')]))[0]).toBe('357.50');
    expect(line(run(share({ perTransactionFee: '0.50', floor: '10' }), [agg('50', '2')]))).toEqual(['10.00', 'max(0.10 × 50 + 0.50 × 2, floor 10)']);
  });

  it('charges each outcome verified late its fee, and gives it back when the outcome is reversed', () => {
    expect(lateAdjustment(share({ perTransactionFee: '0.50' }), [agg('1000', '3')], [agg('100', '1')])).toEqual(['10.50']);
    expect(lateAdjustment(share({ perTransactionFee: '0.50' }), [agg('1100', '4')], [agg('-100', '-1')], 'reversal')).toEqual(['-10.50']);
  });

  it('must not be negative', () => {
    expect(parseTerms(share({ perTransactionFee: '-0.5' }))).toMatchObject({ ok: false, errors: [{ path: 'components[0].perTransactionFee' }] });
  });

  it('adds exactly fee × count to the line (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: BigInt(0), max: BigInt(10) ** BigInt(9) }), fc.bigInt({ min: BigInt(0), max: BigInt(10) ** BigInt(6) }), fc.bigInt({ min: BigInt(0), max: BigInt(100000) }), (v, n, f) => {
        const value = v.toString();
        const count = n.toString();
        const fee = dec(f.toString()).div(100).toFixed();
        const withFee = dec(run(share({ perTransactionFee: fee }), [agg(value, count)]).lines[0].unroundedAmount);
        const without = dec(run(share(), [agg(value, count)]).lines[0].unroundedAmount);
        expect(withFee.minus(without).eq(dec(fee).times(count))).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('late outcomes under every new value-share option', () => {
  it('bill, across the original invoice and the adjustment, what one invoice of everything would have, to the cent (property)', () => {
    const termsArb = fc.record(
      { freeValue: fc.constantFrom('0', '500', '2500'), perTransactionFee: fc.constantFrom('0.25', '1'), bands: fc.constant(BANDS) },
      { requiredKeys: [] },
    );
    const aggArb = fc.tuple(fc.bigInt({ min: BigInt(0), max: BigInt(10) ** BigInt(7) }), fc.bigInt({ min: BigInt(0), max: BigInt(50) }));
    fc.assert(
      fc.property(termsArb, aggArb, aggArb, (opts, [bv, bn], [dv, dn]) => {
        const terms = opts.bands ? banded(opts) : share(opts);
        const billed = agg(dec(bv.toString()).div(100).toFixed(), bn.toString());
        const delta = agg(dec(dv.toString()).div(100).toFixed(), (dn + BigInt(1)).toString());
        const alone = dec(ok(priceInvoice({ contract, terms, period: february, aggregates: [billed], kpis: [] })).subtotal);
        const all = ok(priceInvoice({ contract, terms, period: february, aggregates: [billed, delta], kpis: [] }));
        const adj = lateAdjustment(terms, [billed], [delta]).reduce((s, a) => s.plus(a), dec('0'));
        expect(dec(all.lines[0].unroundedAmount).minus(alone).minus(adj).abs().lessThanOrEqualTo('0.01')).toBe(true);
      }),
      RUNS,
    );
  });
});
