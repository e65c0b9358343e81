import fc from 'fast-check';
import { sha256Hex } from '../kernel/canonical-json';
import { dec, dmax } from '../kernel/decimal';
import { priceInvoice } from './engine';
import { addDays, daysBetween, monthPeriod } from './period';
import type { OutcomeAggregate, PriceComponent, PricedInvoice, PricingContract, PricingInput, PricingResult, Terms, UsageTier } from './types';

const RUNS = { numRuns: 200 };

/** A decimal string n / 10^scale built from a bigint: no JS number ever holds the value. */
function decimalString(n: bigint, scale: number): string {
  const negative = n < BigInt(0);
  const digits = (negative ? -n : n).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

const amountArb = (max = BigInt(10) ** BigInt(9), scale = 2, min = BigInt(0)) =>
  fc.bigInt({ min, max }).map((n) => decimalString(n, scale));
const rateArb = fc.bigInt({ min: BigInt(0), max: BigInt(10000) }).map((n) => decimalString(n, 4));
const unitsArb = fc.bigInt({ min: BigInt(0), max: BigInt(10) ** BigInt(12) }).map((n) => n.toString());
const perArb = fc.constantFrom('1', '1000', '1000000');
const currencyArb = fc.constantFrom('CNY', 'USD', 'JPY', 'KWD', 'CLF');
const monthArb = fc.constantFrom('2026-01', '2026-02', '2026-03', '2026-04', '2028-02', '2026-12');

const baseContract: PricingContract = { currency: 'CNY', timezone: 'Asia/Shanghai', taxRate: '0.06', startsOn: '2020-01-01', billingCycle: 'monthly' };

function agg(outcomeType: string, fields: Partial<OutcomeAggregate>): OutcomeAggregate {
  return { outcomeType, count: '0', quantitySum: '0', valueSum: '0', idsDigest: sha256Hex(outcomeType), ...fields };
}

function ok(result: PricingResult): PricedInvoice {
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.reason}`);
  return result;
}

const tiersArb: fc.Arbitrary<UsageTier[]> = fc
  .uniqueArray(fc.bigInt({ min: BigInt(1), max: BigInt(10) ** BigInt(7) }), { minLength: 0, maxLength: 3 })
  .chain((bounds) =>
    fc.tuple(
      fc.array(amountArb(BigInt(1000), 3), { minLength: bounds.length + 1, maxLength: bounds.length + 1 }),
      fc.array(fc.option(amountArb(BigInt(100000)), { nil: undefined }), { minLength: bounds.length + 1, maxLength: bounds.length + 1 }),
    ).map(([prices, flats]) => {
      const sorted = [...bounds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return prices.map((unitPrice, i) => ({
        upTo: i < sorted.length ? sorted[i].toString() : null,
        unitPrice,
        ...(flats[i] !== undefined ? { flatAmount: flats[i] } : {}),
      }));
    }),
  );

const modifiersArb = fc.record(
  { minimum: amountArb(BigInt(10) ** BigInt(6)), cap: amountArb(BigInt(10) ** BigInt(8), 2, BigInt(10) ** BigInt(6)) },
  { requiredKeys: [] },
);

const componentArb: fc.Arbitrary<PriceComponent> = fc.oneof(
  fc.record({ type: fc.constant('flat_fee' as const), amount: amountArb(), per: fc.constantFrom('month' as const, 'year' as const), quantity: amountArb(BigInt(1000), 0) }),
  fc.record({ type: fc.constant('per_area' as const), annualRatePerKm2: amountArb(), areaKm2: amountArb(BigInt(100000), 1) }),
  fc.record({ type: fc.constant('value_share' as const), rate: rateArb, outcomeType: fc.constant('savings'), verification: fc.constant('customer' as const), allowNegative: fc.boolean() }),
  fc.record({ type: fc.constant('per_outcome' as const), unitPrice: amountArb(BigInt(100000)), outcomeType: fc.constant('report'), verification: fc.constant('customer' as const), breakdownBy: fc.constantFrom('hospital', undefined) })
    .map((c) => (c.breakdownBy === undefined ? { ...c, breakdownBy: undefined } : c)),
  fc.record({ type: fc.constant('usage' as const), metric: fc.constant('query'), unitPrice: amountArb(BigInt(10000), 4), per: perArb, freeUnits: fc.constantFrom('0', '1000') }),
  fc.record({ type: fc.constant('usage' as const), metric: fc.constant('query'), tiers: tiersArb, tierMode: fc.constantFrom('graduated' as const, 'volume' as const) }),
).chain((c) => modifiersArb.map((m) => ({ ...c, ...m }) as PriceComponent));

const aggregatesArb = fc.record({
  savings: fc.bigInt({ min: BigInt(-(10 ** 9)), max: BigInt(10) ** BigInt(11) }).map((n) => decimalString(n, 2)),
  reports: fc.array(fc.tuple(fc.constantFrom('H1', 'H2', 'H3'), fc.bigInt({ min: BigInt(0), max: BigInt(5000) })), { maxLength: 3 }),
  queries: unitsArb,
}).map(({ savings, reports, queries }) => {
  const byHospital = new Map<string, bigint>();
  for (const [h, n] of reports) byHospital.set(h, (byHospital.get(h) ?? BigInt(0)) + n);
  const total = [...byHospital.values()].reduce((a, b) => a + b, BigInt(0));
  return [
    agg('savings', { count: '1', valueSum: savings }),
    agg('report', { count: total.toString() }),
    ...[...byHospital].map(([h, n]) => agg('report', { dimensions: { hospital: h }, count: n.toString() })),
    agg('query', { count: '1', quantitySum: queries }),
  ];
});

const inputArb: fc.Arbitrary<PricingInput> = fc
  .record({
    components: fc.array(componentArb, { minLength: 1, maxLength: 4 }),
    aggregates: aggregatesArb,
    currency: currencyArb,
    rounding: fc.constantFrom('HALF_UP' as const, 'HALF_EVEN' as const),
    month: monthArb,
    startDay: fc.integer({ min: 0, max: 27 }),
    taxRate: fc.constantFrom('0', '0.06', '0.13', '0.2'),
  })
  .map(({ components, aggregates, currency, rounding, month, startDay, taxRate }) => {
    const period = monthPeriod(month);
    const keyed = components.map((c, i) => ({ ...c, key: `c${i}` }) as PriceComponent);
    return {
      contract: { ...baseContract, currency, taxRate, startsOn: addDays(period.start, startDay) },
      terms: { components: keyed, rounding },
      period,
      aggregates,
      kpis: [],
    };
  });

describe('pricing properties', () => {
  it('gives identical trace bytes for the same input, however often and from whichever copy it is priced', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const a = ok(priceInvoice(input));
        const b = ok(priceInvoice(JSON.parse(JSON.stringify(input)) as PricingInput));
        expect(b.traceJson).toBe(a.traceJson);
        expect(b.traceDigest).toBe(a.traceDigest);
        expect(a.traceDigest).toBe(sha256Hex(a.traceJson));
        expect(JSON.stringify(b.lines)).toBe(JSON.stringify(a.lines));
      }),
      RUNS,
    );
  });

  it('rounds every line to within half a minor unit of its exact amount, and totals are sums of rounded lines', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const inv = ok(priceInvoice(input));
        const decimals = input.contract.currency === 'JPY' ? 0 : input.contract.currency === 'KWD' ? 3 : input.contract.currency === 'CLF' ? 4 : 2;
        const half = dec('0.5').div(dec('10').pow(decimals));
        let sum = dec('0');
        for (const line of inv.lines) {
          expect(dec(line.amount).minus(line.unroundedAmount).abs().lessThanOrEqualTo(half)).toBe(true);
          expect(line.amount).toMatch(decimals === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${decimals}}$`));
          expect(line.unroundedAmount).not.toMatch(/e/i);
          sum = sum.plus(line.amount);
        }
        expect(dec(inv.subtotal).eq(sum)).toBe(true);
        expect(dec(inv.total).eq(dec(inv.subtotal).plus(inv.tax))).toBe(true);
        expect(dec(inv.tax).minus(dec(inv.subtotal).times(input.contract.taxRate)).abs().lessThanOrEqualTo(half)).toBe(true);
      }),
      RUNS,
    );
  });

  it('charges exactly m times the unrounded met amount when a guarantee with multiplier m is missed', () => {
    fc.assert(
      fc.property(componentArb, aggregatesArb, rateArb, (component, aggregates, m) => {
        const guarded = { ...component, cap: undefined, minimum: undefined, guarantee: { kpi: 'kpi', comparator: 'gte' as const, threshold: '10', multiplierIfMissed: m } } as PriceComponent;
        const terms: Terms = { components: [guarded], outcomeTypes: { kpi: { verification: 'customer' } } };
        const at = (value: string) =>
          ok(priceInvoice({ contract: baseContract, terms, period: monthPeriod('2026-03'), aggregates, kpis: [{ kpi: 'kpi', value, outcomeId: 'k', occurredAt: '2026-03-31T00:00:00Z' }] }));
        const met = at('10.0');
        const missed = at('9.9');
        expect(met.guarantees[0].result).toBe('met');
        expect(missed.guarantees[0].result).toBe('missed');
        expect(missed.lines).toHaveLength(met.lines.length);
        met.lines.forEach((line, i) => {
          expect(dec(missed.lines[i].unroundedAmount).eq(dec(line.unroundedAmount).times(m))).toBe(true);
        });
      }),
      RUNS,
    );
  });

  it('never bills a period split between two contracts more than one minor unit per line above the whole period', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ type: fc.constant('flat_fee' as const), amount: amountArb(), per: fc.constantFrom('month' as const, 'year' as const), quantity: amountArb(BigInt(1000), 0) }),
          fc.record({ type: fc.constant('per_area' as const), annualRatePerKm2: amountArb(), areaKm2: amountArb(BigInt(100000), 1) }),
        ),
        monthArb,
        fc.integer({ min: 1, max: 27 }),
        (component, month, split) => {
          const period = monthPeriod(month);
          const terms: Terms = { components: [component as PriceComponent] };
          const price = (c: PricingContract) => ok(priceInvoice({ contract: c, terms, period, aggregates: [], kpis: [] }));
          const whole = price(baseContract);
          const splitDay = addDays(period.start, split);
          const first = price({ ...baseContract, endsOn: addDays(splitDay, -1) });
          const second = price({ ...baseContract, startsOn: splitDay });
          expect(daysBetween(period.start, splitDay)).toBe(split);
          const parts = dec(first.subtotal).plus(second.subtotal);
          const lines = first.lines.length + second.lines.length;
          expect(parts.minus(whole.subtotal).lessThanOrEqualTo(dec('0.01').times(lines))).toBe(true);
          expect(dec(whole.subtotal).minus(parts).lessThanOrEqualTo(dec('0.01').times(lines))).toBe(true);
          expect(dec(first.lines[0].unroundedAmount).plus(second.lines[0].unroundedAmount).minus(whole.lines[0].unroundedAmount).abs().lessThan(dec('1e-30'))).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it('prices usage additively in quantity before rounding', () => {
    fc.assert(
      fc.property(amountArb(BigInt(10) ** BigInt(6), 4), perArb, unitsArb, unitsArb, (unitPrice, per, q1, q2) => {
        const terms: Terms = { components: [{ type: 'usage', metric: 'query', unitPrice, per }] };
        const exact = (q: string) =>
          dec(ok(priceInvoice({ contract: baseContract, terms, period: monthPeriod('2026-03'), aggregates: [agg('query', { quantitySum: q })], kpis: [] })).lines[0].unroundedAmount);
        const both = dec(q1).plus(q2).toFixed();
        expect(exact(q1).plus(exact(q2)).eq(exact(both))).toBe(true);
      }),
      RUNS,
    );
  });

  it('never lowers a value-share fee when more value is verified, unless a cap binds', () => {
    fc.assert(
      fc.property(
        rateArb,
        fc.bigInt({ min: BigInt(-(10 ** 9)), max: BigInt(10) ** BigInt(10) }),
        fc.bigInt({ min: BigInt(0), max: BigInt(10) ** BigInt(10) }),
        fc.option(amountArb(), { nil: undefined }),
        fc.option(amountArb(BigInt(10) ** BigInt(5)), { nil: undefined }),
        fc.boolean(),
        (rate, base, extra, cap, floor, allowNegative) => {
          const terms: Terms = {
            components: [{ type: 'value_share', rate, outcomeType: 'savings', verification: 'customer', allowNegative, ...(cap ? { cap } : {}), ...(floor && (!cap || dec(floor).lte(cap)) ? { floor } : {}) }],
          };
          const fee = (valueSum: string) =>
            ok(priceInvoice({ contract: baseContract, terms, period: monthPeriod('2026-03'), aggregates: [agg('savings', { count: '1', valueSum })], kpis: [] }));
          const less = fee(decimalString(base, 2));
          const more = fee(decimalString(base + extra, 2));
          if (dec(more.subtotal).lessThan(less.subtotal)) {
            expect(more.trace.lines[0].inputs.cap).toBeDefined();
          }
        },
      ),
      RUNS,
    );
  });

  describe('tiers', () => {
    const price = (c: PriceComponent, units: string) =>
      dec(ok(priceInvoice({ contract: baseContract, terms: { components: [c] }, period: monthPeriod('2026-03'), aggregates: [agg('query', { quantitySum: units })], kpis: [] })).lines[0].unroundedAmount);

    it('agrees between graduated and volume pricing for a single tier, or when every unit is in the first tier', () => {
      fc.assert(
        fc.property(tiersArb, perArb, unitsArb, (tiers, per, anyUnits) => {
          const units = tiers[0].upTo === null ? anyUnits : (BigInt(anyUnits) % (BigInt(tiers[0].upTo) + BigInt(1))).toString();
          const graduated = price({ type: 'usage', metric: 'query', tiers, per, tierMode: 'graduated' }, units);
          const volume = price({ type: 'usage', metric: 'query', tiers, per, tierMode: 'volume' }, units);
          expect(graduated.eq(volume)).toBe(true);
        }),
        RUNS,
      );
    });

    it('prices volume usage of exactly upTo units in that tier, and graduated usage of upTo as the sum of the tiers up to it', () => {
      fc.assert(
        fc.property(tiersArb.filter((t) => t.length > 1), fc.nat(), (tiers, pick) => {
          const i = pick % (tiers.length - 1);
          const upTo = tiers[i].upTo!;
          const volume = price({ type: 'usage', metric: 'query', tiers, tierMode: 'volume' }, upTo);
          expect(volume.eq(dec(upTo).times(tiers[i].unitPrice).plus(tiers[i].flatAmount ?? '0'))).toBe(true);
          let expected = dec('0');
          let lower = dec('0');
          for (let j = 0; j <= i; j++) {
            expected = expected.plus(dec(tiers[j].upTo!).minus(lower).times(tiers[j].unitPrice)).plus(tiers[j].flatAmount ?? '0');
            lower = dec(tiers[j].upTo!);
          }
          expect(price({ type: 'usage', metric: 'query', tiers }, upTo).eq(expected)).toBe(true);
        }),
        RUNS,
      );
    });
  });

  it('charges package pricing per started block', () => {
    fc.assert(
      fc.property(amountArb(BigInt(10) ** BigInt(6)), fc.bigInt({ min: BigInt(1), max: BigInt(10) ** BigInt(6) }), fc.bigInt({ min: BigInt(0), max: BigInt(10) ** BigInt(5) }), (unitPrice, size, blocks) => {
        const c: PriceComponent = { type: 'usage', metric: 'query', unitPrice, packageSize: size.toString() };
        const exact = (units: bigint) =>
          dec(ok(priceInvoice({ contract: baseContract, terms: { components: [c] }, period: monthPeriod('2026-03'), aggregates: [agg('query', { quantitySum: units.toString() })], kpis: [] })).lines[0].unroundedAmount);
        expect(exact(blocks * size).eq(dec(unitPrice).times(blocks.toString()))).toBe(true);
        expect(exact(blocks * size + BigInt(1)).eq(dec(unitPrice).times((blocks + BigInt(1)).toString()))).toBe(true);
        const fractional = dmax(dec('0'), dec((blocks * size).toString()).minus('0.5'));
        const expectedBlocks = blocks === BigInt(0) ? dec('0') : dec(blocks.toString());
        const priced = dec(ok(priceInvoice({ contract: baseContract, terms: { components: [c] }, period: monthPeriod('2026-03'), aggregates: [agg('query', { quantitySum: fractional.toFixed() })], kpis: [] })).lines[0].unroundedAmount);
        expect(priced.eq(dec(unitPrice).times(expectedBlocks))).toBe(true);
      }),
      RUNS,
    );
  });
});
