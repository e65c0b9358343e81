jest.setTimeout(600_000);

import fc from 'fast-check';
import { verifyBundle } from '../../src/audit/verify-bundle';
import { binary, saveTo, tempDir } from '../reports/support';
import { issueKey } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { bill } from './helpers';

// Issue #19 item 2: one charge per conversation, across periods, given back when the case reopens;
// every invoice re-verified by the service and by the offline verifier from an evidence bundle.
const TERMS = {
  components: [{ type: 'per_outcome', unitPrice: '0.99', outcomeType: 'resolution', verification: 'customer', chargeOncePer: 'conversation' }],
};

describe('a per-outcome component charged once per conversation, billed', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let publicKeyPem: string;
  const dir = tempDir('ol-charge-once-');
  let n = 0;

  beforeAll(async () => {
    t = await createTestApp();
    vendor = t.as((await t.createVendor('Per-conversation vendor')).adminKey);
    publicKeyPem = (await vendor.get('/v1/vendor/signing-key').expect(200)).body.publicKeyPem;
  });
  afterAll(() => t.close());

  async function contractWith(terms: object) {
    const c = await vendor.post('/v1/customers', { name: `Customer ${++n}` }).expect(201);
    const res = await vendor.post('/v1/contracts', {
      customerId: c.body.id, name: 'Support agent', currency: 'USD', timezone: 'UTC', taxRate: '0', startsOn: '2026-03-01', status: 'active', terms,
    });
    return { res, customerId: c.body.id as string };
  }

  const lines = (invoice: any) => invoice.lines.map((l: any) => [l.key, l.kind, l.quantity, l.amount]);

  it('charges a conversation once across periods, and gives it back when its last billed resolution is reversed', async () => {
    const { res, customerId } = await contractWith(TERMS);
    expect(res.status).toBe(201);
    const contractId: string = res.body.id;
    const customer = t.as(await issueKey(vendor, { role: 'customer', customerId }));
    const record = async (conversation: string | null, occurredAt: string): Promise<string> => {
      const body = { externalId: `r-${++n}`, type: 'resolution', occurredAt, ...(conversation ? { dimensions: { conversation } } : {}) };
      const id = (await vendor.post(`/v1/contracts/${contractId}/outcomes`, body).expect(201)).body.id;
      await customer.post(`/v1/outcomes/${id}/verify`, {}).expect(200);
      return id;
    };
    const reverse = async (id: string) => {
      await customer.post(`/v1/outcomes/${id}/dispute`, { reason: 'the conversation was reopened' }).expect(200);
      await vendor.post(`/v1/outcomes/${id}/reverse`, { reason: 'reopened' }).expect(200);
    };
    const finalize = async (invoice: any) => {
      const fin = await vendor.post(`/v1/invoices/${invoice.id}/finalize`).expect(200);
      expect((await vendor.get(`/v1/invoices/${fin.body.id}/verify`).expect(200)).body.matches).toBe(true);
      return fin.body;
    };

    // March: two resolutions of conversation A, one of B, one without a conversation (its own case).
    const a1 = await record('A', '2026-03-02T10:00:00Z');
    const a2 = await record('A', '2026-03-05T10:00:00Z');
    const b1 = await record('B', '2026-03-06T10:00:00Z');
    await record(null, '2026-03-07T10:00:00Z');
    const march = await bill(vendor, contractId, '2026-03');
    expect(lines(march)).toEqual([['per_outcome', 'charge', '3', '2.97']]);
    expect(march.lines[0].description).toBe('3 conversation cases charged once (4 verified resolution outcomes) × 0.99');
    expect((await finalize(march)).total).toBe('2.97');

    // April: A again (charged in March: not again), C new; B reopened (its only resolution reversed).
    const a3 = await record('A', '2026-04-02T10:00:00Z');
    await record('C', '2026-04-03T10:00:00Z');
    await reverse(b1);
    const april = await bill(vendor, contractId, '2026-04');
    expect(lines(april)).toEqual([
      ['per_outcome', 'charge', '1', '0.99'],
      ['adj:reversal:2026-03-01:per_outcome', 'adjustment', '-1', '-0.99'],
    ]);
    expect(april.lines[1].description).toBe('Adjustment for 2026-03: 1 conversation case reopened');
    expect((await finalize(april)).total).toBe('0.00');

    // May: A's March resolutions reversed, but its April one is still billed: A stays charged.
    await reverse(a1);
    await reverse(a2);
    const may = await bill(vendor, contractId, '2026-05');
    expect(lines(may)).toEqual([['per_outcome', 'charge', '0', '0.00']]);
    await finalize(may);

    // June: A's last billed resolution reversed: the case is given back, on its April adjustment.
    await reverse(a3);
    const june = await bill(vendor, contractId, '2026-06');
    expect(lines(june)).toEqual([
      ['per_outcome', 'charge', '0', '0.00'],
      ['adj:reversal:2026-04-01:per_outcome', 'adjustment', '-1', '-0.99'],
    ]);
    await finalize(june);

    // The offline verifier counts the cases the same way, from the bundle's outcomes and billing links.
    const bundle = await customer.get(`/v1/contracts/${contractId}/evidence`).buffer(true).parse(binary).expect(200);
    const report = await verifyBundle(saveTo(dir, `${contractId}.zip`, bundle.body), { publicKeyPem });
    expect(report.checks.filter((x) => x.status === 'fail')).toEqual([]);
    expect(report.checks).toContainEqual({ status: 'ok', subject: 'invoices', message: '4 invoice(s) recomputed with the pricing engine: all match' });

    // A bundle of June alone carries the earlier billed resolutions of its cases, so June re-prices offline too.
    const june1 = await vendor.get(`/v1/contracts/${contractId}/evidence?from=2026-06&to=2026-06`).buffer(true).parse(binary).expect(200);
    const ranged = await verifyBundle(saveTo(dir, `${contractId}-june.zip`, june1.body), { publicKeyPem });
    expect(ranged.checks.filter((x) => x.status === 'fail')).toEqual([]);
    expect(ranged.checks).toContainEqual({ status: 'ok', subject: 'invoices', message: '1 invoice(s) recomputed with the pricing engine: all match' });
  });

  it('charges a case verified late once, on the late adjustment, even when the same invoice bills its newer outcome', async () => {
    const { res, customerId } = await contractWith(TERMS);
    expect(res.status).toBe(201);
    const contractId: string = res.body.id;
    const customer = t.as(await issueKey(vendor, { role: 'customer', customerId }));
    const record = async (conversation: string, occurredAt: string): Promise<string> =>
      (await vendor.post(`/v1/contracts/${contractId}/outcomes`, { externalId: `r-${++n}`, type: 'resolution', occurredAt, dimensions: { conversation } }).expect(201)).body.id;
    const verify = (ids: string[]) => customer.post('/v1/outcomes/verify', { ids }).expect(200);

    const a1 = await record('A', '2026-03-02T10:00:00Z');
    const a2 = await record('A', '2026-03-03T10:00:00Z'); // verified after March is invoiced
    const c1 = await record('C', '2026-03-04T10:00:00Z'); // likewise: C's first resolution
    await verify([a1]);
    const march = await bill(vendor, contractId, '2026-03');
    expect(lines(march)).toEqual([['per_outcome', 'charge', '1', '0.99']]);
    await vendor.post(`/v1/invoices/${march.id}/finalize`).expect(200);

    const c2 = await record('C', '2026-04-02T10:00:00Z');
    const d1 = await record('D', '2026-04-03T10:00:00Z');
    await verify([a2, c1, c2, d1]);
    const april = await bill(vendor, contractId, '2026-04');
    // A: charged in March, its late resolution costs nothing; C: charged once, by its March resolution; D: charged in April.
    expect(lines(april)).toEqual([
      ['per_outcome', 'charge', '1', '0.99'],
      ['adj:late_verified:2026-03-01:per_outcome', 'adjustment', '1', '0.99'],
    ]);
    expect(april.lines[1].description).toBe('Adjustment for 2026-03: 1 conversation case charged late');
    const fin = await vendor.post(`/v1/invoices/${april.id}/finalize`).expect(200);
    expect(fin.body.total).toBe('1.98');
    expect((await vendor.get(`/v1/invoices/${fin.body.id}/verify`).expect(200)).body.matches).toBe(true);

    const bundle = await customer.get(`/v1/contracts/${contractId}/evidence`).buffer(true).parse(binary).expect(200);
    const report = await verifyBundle(saveTo(dir, `${contractId}.zip`, bundle.body), { publicKeyPem });
    expect(report.checks.filter((x) => x.status === 'fail')).toEqual([]);
    expect(report.checks).toContainEqual({ status: 'ok', subject: 'invoices', message: '2 invoice(s) recomputed with the pricing engine: all match' });
  });

  it('bills one charge per case still billed over random sequences of recording, verification, reversal and finalization, re-verified offline', async () => {
    const months = ['2026-03', '2026-04', '2026-05'];
    type Op =
      | { op: 'record'; month: number; conv: number; verify: boolean }
      | { op: 'verify'; pick: number }
      | { op: 'reverse'; pick: number }
      | { op: 'finalize' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.record({ op: fc.constant('record' as const), month: fc.constantFrom(0, 0, 1, 2), conv: fc.integer({ min: -1, max: 2 }), verify: fc.boolean() }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('verify' as const), pick: fc.nat() }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('reverse' as const), pick: fc.nat() }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('finalize' as const) }) },
    );
    const seen = { late: 0, reversal: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 8, maxLength: 24 }), async (ops) => {
        const { res, customerId } = await contractWith({ components: [{ ...TERMS.components[0], unitPrice: '1.00' }] });
        const contractId: string = res.body.id;
        const customer = t.as(await issueKey(vendor, { role: 'customer', customerId }));
        const model = new Map<string, { status: 'recorded' | 'verified' | 'reversed'; conv: string | null }>();
        let finalized = 0;
        const pick = (status: string, k: number) => {
          const list = [...model.entries()].filter(([, o]) => o.status === status).map(([id]) => id);
          return list.length ? list[k % list.length] : null;
        };
        const billAndFinalize = async (period: string) => {
          const invoice = await bill(vendor, contractId, period);
          const fin = await vendor.post(`/v1/invoices/${invoice.id}/finalize`).expect(200);
          expect((await vendor.get(`/v1/invoices/${fin.body.id}/verify`).expect(200)).body.matches).toBe(true);
          for (const l of fin.body.lines) if (l.adjustment) seen[l.adjustment.kind === 'late_verified' ? 'late' : 'reversal']++;
        };
        for (const o of ops) {
          if (o.op === 'record') {
            const conv = o.conv < 0 ? null : `c${o.conv}`;
            const body = { externalId: `x-${++n}`, type: 'resolution', occurredAt: `${months[o.month]}-${String((n % 27) + 1).padStart(2, '0')}T10:00:00Z`, ...(conv ? { dimensions: { conversation: conv } } : {}) };
            const id = (await vendor.post(`/v1/contracts/${contractId}/outcomes`, body).expect(201)).body.id;
            model.set(id, { status: 'recorded', conv });
            if (o.verify) {
              await customer.post(`/v1/outcomes/${id}/verify`, {}).expect(200);
              model.get(id)!.status = 'verified';
            }
          } else if (o.op === 'verify') {
            const id = pick('recorded', o.pick);
            if (!id) continue;
            await customer.post(`/v1/outcomes/${id}/verify`, {}).expect(200);
            model.get(id)!.status = 'verified';
          } else if (o.op === 'reverse') {
            const id = pick('verified', o.pick);
            if (!id) continue;
            await customer.post(`/v1/outcomes/${id}/dispute`, { reason: 'reopened' }).expect(200);
            await vendor.post(`/v1/outcomes/${id}/reverse`, {}).expect(200);
            model.get(id)!.status = 'reversed';
          } else if (finalized < months.length) await billAndFinalize(months[finalized++]);
        }
        while (finalized < months.length) await billAndFinalize(months[finalized++]);
        await billAndFinalize('2026-06'); // picks up every late change

        // Unit price 1.00 and no tax: the invoices add up to the cases that still have a verified outcome.
        const live = new Set([...model.entries()].filter(([, o]) => o.status === 'verified').map(([id, o]) => o.conv ?? `id:${id}`));
        const [{ billed_total }] = await t.db.query(
          `SELECT trim_scale(COALESCE(sum(total), 0))::text AS billed_total FROM invoices WHERE contract_id = $1 AND status <> 'draft'`,
          [contractId],
        );
        expect(billed_total).toBe(String(live.size));
        const bundle = await customer.get(`/v1/contracts/${contractId}/evidence`).buffer(true).parse(binary).expect(200);
        const report = await verifyBundle(saveTo(dir, `${contractId}.zip`, bundle.body), { publicKeyPem });
        expect(report.checks.filter((x) => x.status === 'fail')).toEqual([]);
      }),
      { numRuns: 10, seed: 20260319 },
    );
    expect(seen.late).toBeGreaterThan(0);
    expect(seen.reversal).toBeGreaterThan(0);
  });

  it('refuses bad terms with a 422 naming the field, and writes nothing', async () => {
    const one = TERMS.components[0];
    const contracts = async () => (await vendor.get('/v1/contracts?limit=100').expect(200)).body.data.length;
    const before = await contracts();
    for (const [bad, path] of [
      [{ ...one, chargeOncePer: '' }, 'components[0].chargeOncePer'],
      [{ ...one, chargeOncePer: 7 }, 'components[0].chargeOncePer'],
      [{ ...one, breakdownBy: 'site' }, 'components[0].chargeOncePer'],
    ] as const) {
      const { res } = await contractWith({ components: [bad] });
      expect(res.status).toBe(422);
      expect(res.header['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.body)).toContain(path);
      expect(res.body.code ?? res.body.type).toMatch(/TERMS_INVALID|terms/i);
    }
    expect(await contracts()).toBe(before);
  });
});
