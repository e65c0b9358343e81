jest.setTimeout(300_000);

import fc from 'fast-check';
import { issueKey } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

/** A customer-verified contract through the API, with its customer's key. */
async function contractWith(t: TestApp, vendor: KeyedClient, components: unknown[], startsOn = '2026-03-01') {
  const customer = await vendor.post('/v1/customers', { name: 'Adjusted customer' }).expect(201);
  const contract = await vendor
    .post('/v1/contracts', {
      customerId: customer.body.id,
      name: 'Adjustments',
      currency: 'CNY',
      timezone: 'Asia/Shanghai',
      taxRate: '0',
      startsOn,
      status: 'active',
      terms: { components },
    })
    .expect(201);
  const customerKey = t.as(await issueKey(vendor, { role: 'customer', customerId: customer.body.id }));
  return { contractId: contract.body.id as string, customer: customerKey };
}

async function record(vendor: KeyedClient, contractId: string, body: Record<string, unknown>): Promise<string> {
  const res = await vendor.post(`/v1/contracts/${contractId}/outcomes`, body).expect(201);
  return res.body.id;
}

async function billAndFinalize(vendor: KeyedClient, contractId: string, period: string): Promise<any> {
  await runBilling(vendor, { period, contractIds: [contractId] });
  const list = await vendor.get(`/v1/invoices?contractId=${contractId}&period=${period}`).expect(200);
  expect(list.body.data).toHaveLength(1);
  const res = await vendor.post(`/v1/invoices/${list.body.data[0].id}/finalize`).expect(200);
  const verify = await vendor.get(`/v1/invoices/${res.body.id}/verify`).expect(200);
  expect(verify.body.matches).toBe(true);
  return res.body;
}

describe('late and reversed outcomes', () => {
  let t: TestApp;
  let vendor: KeyedClient;

  beforeAll(async () => {
    t = await createTestApp();
    vendor = t.as((await t.createVendor('Adjusting vendor')).adminKey);
  });
  afterAll(() => t.close());

  it('bills a March savings claim verified after March was finalized once, as a labelled adjustment on April', async () => {
    const { contractId, customer } = await contractWith(t, vendor, [
      { type: 'flat_fee', amount: '50000.00', per: 'month', quantity: '3', unit: 'production line' },
      { type: 'value_share', rate: '0.10', outcomeType: 'savings', verification: 'customer' },
    ]);
    const l1 = await record(vendor, contractId, { externalId: 'sav-L1', type: 'savings', value: '400000.00', occurredAt: '2026-03-31T12:00:00+08:00' });
    const l2 = await record(vendor, contractId, { externalId: 'sav-L2', type: 'savings', value: '350000.00', occurredAt: '2026-03-31T12:00:00+08:00' });
    await customer.post(`/v1/outcomes/${l1}/verify`, {}).expect(200);

    const march = await billAndFinalize(vendor, contractId, '2026-03');
    expect(march.subtotal).toBe('190000.00');

    await customer.post(`/v1/outcomes/${l2}/verify`, {}).expect(200); // verified late
    const april = await billAndFinalize(vendor, contractId, '2026-04');
    const adjustments = april.lines.filter((l: any) => l.kind === 'adjustment');
    expect(adjustments).toEqual([
      expect.objectContaining({
        component: 'value_share',
        amount: '35000.00',
        adjustment: { kind: 'late_verified', period: { start: '2026-03-01', end: '2026-04-01' } },
        description: expect.stringContaining('2026-03'),
      }),
    ]);
    expect(april.subtotal).toBe('185000.00');

    const may = await billAndFinalize(vendor, contractId, '2026-05');
    expect(may.lines.filter((l: any) => l.kind === 'adjustment')).toEqual([]);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM invoice_outcomes WHERE outcome_id = $1`, [l2]);
    expect(n).toBe(1);
  });

  it('takes back a disputed-then-reversed report as a negative adjustment on the next invoice', async () => {
    const { contractId, customer } = await contractWith(t, vendor, [
      { type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer' },
    ]);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(await record(vendor, contractId, { externalId: `rep-${i}`, type: 'report', quantity: '1', occurredAt: `2026-03-0${i + 1}T09:00:00+08:00` }));
    await customer.post('/v1/outcomes/verify', { ids }).expect(200);
    const march = await billAndFinalize(vendor, contractId, '2026-03');
    expect(march.total).toBe('45.00');

    await customer.post(`/v1/outcomes/${ids[1]}/dispute`, { reason: 'the radiologist did not accept it' }).expect(200);
    await vendor.post(`/v1/outcomes/${ids[1]}/reverse`, { reason: 'dispute upheld' }).expect(200);
    const april = await billAndFinalize(vendor, contractId, '2026-04');
    expect(april.lines.filter((l: any) => l.kind === 'adjustment')).toEqual([
      expect.objectContaining({ amount: '-15.00', adjustment: { kind: 'reversal', period: { start: '2026-03-01', end: '2026-04-01' } } }),
    ]);
    expect(april.total).toBe('-15.00');
    expect(april).toMatchObject({ status: 'paid', amountDue: '0.00' });
    const rows = await t.db.query(`SELECT effect FROM invoice_outcomes WHERE outcome_id = $1 ORDER BY effect DESC`, [ids[1]]);
    expect(rows.map((r: any) => r.effect)).toEqual([1, -1]);
  });

  it('breaks a per-report line down by hospital, and prices a late report of one hospital as an adjustment', async () => {
    const { contractId, customer } = await contractWith(t, vendor, [
      { type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer', breakdownBy: 'hospital' },
    ]);
    const ids: string[] = [];
    const hospitals = ['H1', 'H1', 'H1', 'H2', 'H2', null];
    for (const [i, h] of hospitals.entries())
      ids.push(
        await record(vendor, contractId, {
          externalId: `bd-${i}`,
          type: 'report',
          quantity: '1',
          occurredAt: '2026-03-05T09:00:00+08:00',
          ...(h ? { dimensions: { hospital: h } } : {}),
        }),
      );
    const late = await record(vendor, contractId, { externalId: 'bd-late', type: 'report', quantity: '1', occurredAt: '2026-03-06T09:00:00+08:00', dimensions: { hospital: 'H2' } });
    await customer.post('/v1/outcomes/verify', { ids }).expect(200);
    const march = await billAndFinalize(vendor, contractId, '2026-03');
    expect(march.lines.map((l: any) => [l.key, l.quantity, l.amount])).toEqual([
      ['per_outcome[hospital=H1]', '3', '45.00'],
      ['per_outcome[hospital=H2]', '2', '30.00'],
      ['per_outcome[hospital=(none)]', '1', '15.00'],
    ]);
    expect(march.lines[0].dimensions).toEqual({ hospital: 'H1' });
    await customer.post(`/v1/outcomes/${late}/verify`, {}).expect(200);
    const april = await billAndFinalize(vendor, contractId, '2026-04');
    expect(april.lines.filter((l: any) => l.kind === 'adjustment').map((l: any) => l.amount)).toEqual(['15.00']);
  });

  it('bills the sum of the verified outcomes exactly once over random sequences of recording, verification, reversal and finalization', async () => {
    const months = ['2026-01', '2026-02', '2026-03', '2026-04'];
    type Op =
      | { op: 'record'; month: number; verify: boolean }
      | { op: 'verify'; pick: number }
      | { op: 'reverse'; pick: number }
      | { op: 'uphold'; pick: number }
      | { op: 'finalize' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ op: fc.constant('record' as const), month: fc.constantFrom(0, 0, 0, 1, 2, 3), verify: fc.boolean() }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('verify' as const), pick: fc.nat() }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('reverse' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('uphold' as const), pick: fc.nat() }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('finalize' as const) }) },
    );
    let run = 0;
    const seen = { late: 0, reversal: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 30 }), async (ops) => {
        run++;
        const { contractId, customer } = await contractWith(t, vendor, [
          { type: 'per_outcome', unitPrice: '1.00', outcomeType: 'report', verification: 'customer' },
        ], '2026-01-01');
        const model = new Map<string, 'recorded' | 'verified' | 'reversed'>();
        let next = 0;
        let finalized = 0; // months finalized, in order
        const disputed = new Set<string>(); // a dispute is raised once per outcome
        const pick = (status: string, k: number) => {
          const list = [...model.entries()].filter(([id, s]) => s === status && !disputed.has(id)).map(([id]) => id);
          return list.length ? list[k % list.length] : null;
        };
        for (const o of ops) {
          if (o.op === 'record') {
            const id = await record(vendor, contractId, {
              externalId: `r${run}-${next++}`,
              type: 'report',
              quantity: '1',
              occurredAt: `${months[o.month]}-15T10:00:00+08:00`,
            });
            model.set(id, 'recorded');
            if (o.verify) {
              await customer.post(`/v1/outcomes/${id}/verify`, {}).expect(200);
              model.set(id, 'verified');
            }
          } else if (o.op === 'verify') {
            const id = pick('recorded', o.pick);
            if (!id) continue;
            await customer.post(`/v1/outcomes/${id}/verify`, {}).expect(200);
            model.set(id, 'verified');
          } else if (o.op === 'reverse' || o.op === 'uphold') {
            const id = pick('verified', o.pick);
            if (!id) continue;
            disputed.add(id);
            await customer.post(`/v1/outcomes/${id}/dispute`, { reason: 'checking' }).expect(200);
            await vendor.post(`/v1/outcomes/${id}/${o.op}`, {}).expect(200);
            if (o.op === 'reverse') model.set(id, 'reversed');
          } else if (finalized < months.length) {
            await billAndFinalize(vendor, contractId, months[finalized++]);
          }
        }
        // Finalize what is left, then one more month that picks up every late change.
        while (finalized < months.length) await billAndFinalize(vendor, contractId, months[finalized++]);
        await billAndFinalize(vendor, contractId, '2026-05');

        const verified = [...model.values()].filter((s) => s === 'verified').length;
        // Unit price 1.00 and no tax: the invoices' totals add up to the number of verified outcomes.
        const [{ billed_total }] = await t.db.query(
          `SELECT trim_scale(COALESCE(sum(total), 0))::text AS billed_total FROM invoices WHERE contract_id = $1 AND status <> 'draft'`,
          [contractId],
        );
        expect(billed_total).toBe(String(verified));
        const net: Array<{ outcome_id: string; net: number }> = await t.db.query(
          `SELECT io.outcome_id, sum(io.effect)::int AS net FROM invoice_outcomes io
             JOIN invoices i ON i.vendor_id = io.vendor_id AND i.id = io.invoice_id
            WHERE i.contract_id = $1 GROUP BY io.outcome_id`,
          [contractId],
        );
        const billedNow = new Set(net.filter((r) => r.net === 1).map((r) => r.outcome_id));
        const verifiedIds = new Set([...model.entries()].filter(([, s]) => s === 'verified').map(([id]) => id));
        expect(billedNow).toEqual(verifiedIds);
        expect(net.every((r) => r.net === 0 || r.net === 1)).toBe(true);
        const kinds: Array<{ kind: string }> = await t.db.query(
          `SELECT l->'adjustment'->>'kind' AS kind FROM invoices i, jsonb_array_elements(i.lines) l
            WHERE i.contract_id = $1 AND l->>'kind' = 'adjustment'`,
          [contractId],
        );
        seen.late += kinds.filter((k) => k.kind === 'late_verified').length;
        seen.reversal += kinds.filter((k) => k.kind === 'reversal').length;
      }),
      { numRuns: 12, seed: 20260301 },
    );
    // The sequences did exercise both kinds of adjustment, not only the easy path.
    expect(seen.late).toBeGreaterThan(0);
    expect(seen.reversal).toBeGreaterThan(0);
  });
});
