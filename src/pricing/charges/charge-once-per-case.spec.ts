import fc from 'fast-check';
import { dec } from '../../kernel/decimal';
import { AggregateAccumulator } from '../aggregates';
import { CaseBook } from '../cases';
import { priceInvoice } from '../engine';
import { monthPeriod } from '../period';
import { parseTerms } from '../terms';
import type { OutcomeAggregate, PeriodAdjustmentInput, PricedInvoice, PricingContract, PricingResult, Terms } from '../types';
import { caseCharge, caseKeyOf, type CasesMeasure, measureKey } from './measures';

const contract: PricingContract = { currency: 'USD', timezone: 'UTC', taxRate: '0', startsOn: '2026-01-01', billingCycle: 'monthly' };
const MEASURE: CasesMeasure = { kind: 'cases', outcomeType: 'resolution', dimension: 'conversation' };
const KEY = measureKey(MEASURE);

const perConversation = (more: object = {}): Terms => ({
  components: [{ type: 'per_outcome', unitPrice: '0.99', outcomeType: 'resolution', verification: 'customer', chargeOncePer: 'conversation', ...more }],
});

function ok(result: PricingResult): PricedInvoice {
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.reason}`);
  return result;
}

function agg(count: string, cases: string): OutcomeAggregate {
  return { outcomeType: 'resolution', count, quantitySum: '0', valueSum: '0', measures: { [KEY]: cases }, idsDigest: `xor128:${'0'.repeat(32)}` };
}

const uuid = (n: number) => `00000000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
const at = (day: number) => `2026-03-${String(day).padStart(2, '0')}T00:00:00.000Z`;

describe('a per-outcome component charged once per case', () => {
  it('charges the cases, not the outcomes, and says so on the line', () => {
    const inv = ok(priceInvoice({ contract, terms: perConversation(), period: monthPeriod('2026-03'), aggregates: [agg('5', '2')], kpis: [] }));
    expect(inv.lines.map((l) => [l.key, l.kind, l.quantity, l.amount, l.description])).toEqual([
      ['per_outcome', 'charge', '2', '1.98', '2 conversation cases charged once (5 verified resolution outcomes) × 0.99'],
    ]);
    expect(inv.trace.lines[0]).toMatchObject({ formula: '0.99 × 2', inputs: { chargeOncePer: 'conversation', cases: '2', count: '5' } });
  });

  it('counts cases in the included allowance', () => {
    const inv = ok(priceInvoice({ contract, terms: perConversation({ includedPerPeriod: '3' }), period: monthPeriod('2026-03'), aggregates: [agg('9', '4')], kpis: [] }));
    expect(inv.lines.map((l) => [l.key, l.quantity, l.amount])).toEqual([
      ['per_outcome', '4', '3.96'],
      ['per_outcome[included]', '-3', '-2.97'],
    ]);
    expect(inv.lines[1].description).toBe('Included allowance: 3 of 3 conversation cases per period free');
  });

  it('gives a reopened case back on the next invoice as an adjustment line counting the case', () => {
    const reversal: PeriodAdjustmentInput = {
      kind: 'reversal', period: monthPeriod('2026-03'), terms: perConversation(), kpis: [], billed: [agg('2', '1')], delta: [agg('-2', '-1')],
    };
    const inv = ok(priceInvoice({ contract, terms: perConversation(), period: monthPeriod('2026-04'), aggregates: [], kpis: [], adjustments: [reversal] }));
    expect(inv.lines.map((l) => [l.key, l.kind, l.quantity, l.amount, l.description])).toEqual([
      ['per_outcome', 'charge', '0', '0.00', '0 conversation cases charged once (0 verified resolution outcomes) × 0.99'],
      ['adj:reversal:2026-03-01:per_outcome', 'adjustment', '-1', '-0.99', 'Adjustment for 2026-03: 1 conversation case reopened'],
    ]);
  });

  it('adds no line for late outcomes of a case already charged', () => {
    const late: PeriodAdjustmentInput = {
      kind: 'late_verified', period: monthPeriod('2026-03'), terms: perConversation(), kpis: [], billed: [agg('2', '1')], delta: [agg('1', '0')],
    };
    const inv = ok(priceInvoice({ contract, terms: perConversation(), period: monthPeriod('2026-04'), aggregates: [], kpis: [], adjustments: [late] }));
    expect(inv.lines.filter((l) => l.kind === 'adjustment')).toEqual([]);
  });

  it('refuses a dimension that is not a non-empty string, and breakdownBy with it, naming the field', () => {
    expect(parseTerms(perConversation({ chargeOncePer: '' }))).toMatchObject({ ok: false, errors: [{ path: 'components[0].chargeOncePer', message: 'must be a non-empty string' }] });
    expect(parseTerms(perConversation({ chargeOncePer: 3 }))).toMatchObject({ ok: false, errors: [{ path: 'components[0].chargeOncePer' }] });
    expect(parseTerms(perConversation({ breakdownBy: 'site' }))).toMatchObject({
      ok: false,
      errors: [{ path: 'components[0].chargeOncePer', message: 'not allowed with breakdownBy: one case may have outcomes under several values of the breakdown' }],
    });
    expect(parseTerms(perConversation({ includedPerPeriod: '50' })).ok).toBe(true);
  });
});

describe('the rule of a case’s charge', () => {
  it('charges only the first outcome of a case nobody charged, and gives it back only with its last billed outcome', () => {
    const f = { first: true, liveBefore: false, liveAfter: true, lateInInvoice: false };
    expect(caseCharge('current', f)).toBe(1);
    expect(caseCharge('current', { ...f, first: false })).toBe(0);
    expect(caseCharge('current', { ...f, liveBefore: true })).toBe(0);
    expect(caseCharge('current', { ...f, lateInInvoice: true })).toBe(0);
    expect(caseCharge('late', { ...f, lateInInvoice: true })).toBe(1);
    expect(caseCharge('reversal', { ...f, liveBefore: true, liveAfter: true })).toBe(0);
    expect(caseCharge('reversal', { ...f, liveBefore: true, liveAfter: false })).toBe(1);
  });

  it('makes each outcome without the dimension a case of its own', () => {
    expect(caseKeyOf('conversation', { id: 'a', dimensions: {} })).toBe('id:a');
    expect(caseKeyOf('conversation', { id: 'a', dimensions: { conversation: 'c1' } })).toBe('v:c1');
    expect(caseKeyOf('conversation', { id: 'a', dimensions: { conversation: 7 } })).toBe('v:7');
  });
});

describe('charge once per case: properties', () => {
  // An outcome: its case (a small pool, or none), its day in March.
  const outcomesArb = fc.array(fc.record({ conv: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }), day: fc.integer({ min: 1, max: 31 }) }), { maxLength: 40 });

  it('N outcomes over k cases → k charges, whatever the order they are seen in', () => {
    fc.assert(
      fc.property(outcomesArb, fc.integer(), (list, seed) => {
        const outcomes = list.map((o, i) => ({ id: uuid(i + 1), occurredAt: at(o.day), dimensions: o.conv === undefined ? {} : { conversation: `c${o.conv}` } }));
        const k = new Set(outcomes.map((o) => caseKeyOf('conversation', o))).size;
        const book = new CaseBook<number>();
        const order = [...outcomes.keys()].sort((a, b) => ((a * 7919 + seed) % 97) - ((b * 7919 + seed) % 97));
        for (const i of order) book.see({ case: caseKeyOf('conversation', outcomes[i]), id: outcomes[i].id, occurredAt: outcomes[i].occurredAt, role: 'current', liveBefore: false, liveAfter: true, target: i });
        const charged = new Set(book.charged().map((c) => c.target));
        const acc = new AggregateAccumulator([MEASURE]);
        outcomes.forEach((o, i) => acc.add(Buffer.from(o.id.replace(/-/g, ''), 'hex'), '', '', '2026-03-01', charged.has(i) ? 1 : 0));
        const inv = ok(priceInvoice({ contract, terms: perConversation(), period: monthPeriod('2026-03'), aggregates: [acc.toAggregate('resolution')], kpis: [] }));
        expect(charged.size).toBe(k);
        expect(inv.lines[0].quantity).toBe(String(k));
        expect(inv.subtotal).toBe(dec('0.99').times(k).toFixed(2));
      }),
      { numRuns: 200 },
    );
  });

  it('over any months of new and reversed outcomes, the invoices add up to one charge per case still billed', () => {
    // Each month: new outcomes of cases from a small pool, and reversals of some billed outcomes.
    const monthArb = fc.record({ add: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 6 }), reverse: fc.array(fc.nat(), { maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(monthArb, { minLength: 1, maxLength: 5 }), (months) => {
        type Billed = { id: string; conv: string; occurredAt: string; month: number; reversed: boolean };
        const billed: Billed[] = [];
        let total = dec('0');
        let n = 0;
        months.forEach((m, mi) => {
          const month = `2026-0${mi + 1}`;
          const live = (conv: string) => billed.some((b) => b.conv === conv && !b.reversed);
          const fresh = m.add.map((c) => ({ id: uuid(++n), conv: `c${c}`, occurredAt: `${month}-15T00:00:00.000Z`, month: mi, reversed: false }));
          const candidates = billed.filter((b) => !b.reversed);
          const reversing = [...new Set(m.reverse.filter(() => candidates.length > 0).map((r) => candidates[r % candidates.length]))];
          const liveAfter = (conv: string) => billed.some((b) => b.conv === conv && !b.reversed && !reversing.includes(b)) || fresh.some((f) => f.conv === conv);
          const book = new CaseBook<string>();
          for (const f of fresh) book.see({ case: f.conv, id: f.id, occurredAt: f.occurredAt, role: 'current', liveBefore: live(f.conv), liveAfter: true, target: 'current' });
          for (const r of reversing) book.see({ case: r.conv, id: r.id, occurredAt: r.occurredAt, role: 'reversal', liveBefore: true, liveAfter: liveAfter(r.conv), target: `rev:${r.month}` });
          const charged = book.charged();
          const cases = (target: string) => String(charged.filter((c) => c.target === target).length);
          const adjustments: PeriodAdjustmentInput[] = [...new Set(reversing.map((r) => r.month))].sort().map((p) => {
            const rows = reversing.filter((r) => r.month === p);
            return { kind: 'reversal', period: monthPeriod(`2026-0${p + 1}`), terms: perConversation(), kpis: [], billed: [], delta: [agg(String(-rows.length), `-${cases(`rev:${p}`)}`)] };
          });
          const inv = ok(priceInvoice({
            contract, terms: perConversation(), period: monthPeriod(month), aggregates: [agg(String(fresh.length), cases('current'))], kpis: [],
            ...(adjustments.length ? { adjustments } : {}),
          }));
          total = total.plus(inv.subtotal);
          for (const r of reversing) r.reversed = true;
          billed.push(...fresh);
        });
        const liveCases = new Set(billed.filter((b) => !b.reversed).map((b) => b.conv)).size;
        expect(total.toFixed(2)).toBe(dec('0.99').times(liveCases).toFixed(2));
      }),
      { numRuns: 200 },
    );
  });
});
