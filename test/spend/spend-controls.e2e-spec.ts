jest.setTimeout(300_000);

import { customerWithContract, issueKey } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { DeemingSweep } from '../../src/outcomes/deeming-sweep';
import { runBilling } from '../support/billing';

// One app per file: configuration (and so the database) is cached by the first app of a file.
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const USAGE_TERMS = { components: [{ type: 'usage', metric: 'query', unitPrice: '1.00', per: '1', verification: 'auto' }] };

describe('spend controls: who sets them, and what they refuse', () => {
  let vendor: KeyedClient;
  let customer: KeyedClient;
  let contractId: string;

  beforeAll(async () => {
    vendor = t.as((await t.createVendor('Spend vendor')).adminKey);
    const c = await customerWithContract(vendor);
    contractId = c.contractId;
    customer = t.as(await issueKey(vendor, { role: 'customer', customerId: c.customerId }));
  });

  it('the vendor sets a budget with the default thresholds, the customer sets a new version, and the history names who set each', async () => {
    const first = await vendor.put(`/v1/contracts/${contractId}/spend-controls`, { budget: '5000' }).expect(200);
    expect(first.body.current).toMatchObject({ budget: '5000.00', thresholds: [50, 80, 100], hardLimit: false, setBy: { role: 'vendor_admin' } });
    const second = await customer.put(`/v1/contracts/${contractId}/spend-controls`, { budget: '3000.50', thresholds: [90, 25], hardLimit: true }).expect(200);
    expect(second.body.current).toMatchObject({ budget: '3000.50', thresholds: [25, 90], hardLimit: true, setBy: { role: 'customer' } });
    expect(second.body.history.map((v: any) => [v.budget, v.setBy.role])).toEqual([
      ['3000.50', 'customer'],
      ['5000.00', 'vendor_admin'],
    ]);
    expect(new Date(second.body.history[0].setAt).getTime()).toBeGreaterThanOrEqual(new Date(second.body.history[1].setAt).getTime());
    const read = await vendor.get(`/v1/contracts/${contractId}/spend-controls`).expect(200);
    expect(read.body.current.id).toBe(second.body.current.id);
  });

  it('setting the same controls again (a retry) adds no version', async () => {
    const before = (await t.counts(['spend_control_versions'])).spend_control_versions;
    await customer.put(`/v1/contracts/${contractId}/spend-controls`, { budget: '3000.5', thresholds: [25, 90], hardLimit: true }).expect(200);
    expect((await t.counts(['spend_control_versions'])).spend_control_versions).toBe(before);
  });

  it('an auditor reads the controls but may not set them', async () => {
    const auditor = t.as(await issueKey(vendor, { role: 'auditor' }));
    await auditor.get(`/v1/contracts/${contractId}/spend-controls`).expect(200);
    expect((await auditor.put(`/v1/contracts/${contractId}/spend-controls`, { budget: '1' }).expect(403)).body.code).toBe('AUDITOR_READ_ONLY');
  });

  it('another vendor’s contract, or another customer’s, answers 404 on every spend route', async () => {
    const other = t.as((await t.createVendor('Other vendor')).adminKey);
    const otherCustomer = await vendor.post('/v1/customers', { name: 'Someone else' }).expect(201);
    const stranger = t.as(await issueKey(vendor, { role: 'customer', customerId: otherCustomer.body.id }));
    for (const client of [other, stranger]) {
      await client.get(`/v1/contracts/${contractId}/spend-controls`).expect(404);
      await client.put(`/v1/contracts/${contractId}/spend-controls`, { budget: '1' }).expect(404);
      await client.get(`/v1/contracts/${contractId}/current-period`).expect(404);
    }
  });

  it.each([
    ['a negative budget', { budget: '-1' }, 'budget'],
    ['a zero budget', { budget: '0' }, 'budget'],
    ['a budget finer than the currency', { budget: '10.001' }, 'budget'],
    ['a budget as a JSON number', { budget: 100 }, 'budget'],
    ['a threshold of 0', { budget: '100', thresholds: [0, 50] }, 'thresholds'],
    ['a threshold above 1000', { budget: '100', thresholds: [1001] }, 'thresholds'],
    ['no thresholds', { budget: '100', thresholds: [] }, 'thresholds'],
    ['an unknown field', { budget: '100', softLimit: true }, 'softLimit'],
    ['hardLimit not a boolean', { budget: '100', hardLimit: 'yes' }, 'hardLimit'],
  ])('%s answers 422 problem+json naming the field, and writes nothing', async (_what, body, field) => {
    const before = await t.counts(['spend_control_versions']);
    const res = await vendor.put(`/v1/contracts/${contractId}/spend-controls`, body).expect(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors.map((e: any) => e.field)).toContain(field);
    expect(await t.counts(['spend_control_versions'])).toEqual(before);
  });

  it('a current-period instant that is not ISO 8601 with an offset answers 422 naming at', async () => {
    const res = await vendor.get(`/v1/contracts/${contractId}/current-period?at=yesterday`).expect(422);
    expect(res.body.errors.map((e: any) => e.field)).toEqual(['at']);
  });
});

describe('spend.threshold_crossed: once per threshold per period', () => {
  let vendor: KeyedClient;

  beforeAll(async () => {
    vendor = t.as((await t.createVendor('Threshold vendor')).adminKey);
  });

  const crossedEvents = async (contractId: string) => {
    const rows: Array<{ payload: any }> = await t.db.query(
      `SELECT payload FROM webhook_events WHERE type = 'spend.threshold_crossed' AND payload->>'contractId' = $1 ORDER BY id`,
      [contractId],
    );
    return rows.map((r) => r.payload);
  };

  it('20 parallel outcome POSTs that together reach 50, 80 and 100 % announce each threshold exactly once', async () => {
    const c = await customerWithContract(vendor, { currency: 'USD', timezone: 'UTC', taxRate: '0', terms: USAGE_TERMS });
    await vendor.put(`/v1/contracts/${c.contractId}/spend-controls`, { budget: '20.00' }).expect(200);
    const now = new Date().toISOString();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: `q-${i}`, type: 'query', quantity: '1', occurredAt: now }).expect(201),
      ),
    );
    const events = await crossedEvents(c.contractId);
    expect(events.map((e) => e.threshold).sort((a, b) => a - b)).toEqual([50, 80, 100]);
    const hundred = events.find((e) => e.threshold === 100);
    expect(hundred).toMatchObject({ budget: '20.00', currency: 'USD', budgetBasis: 'subtotal before tax', customerId: c.customerId });
    expect(Number(hundred.spentShare)).toBeGreaterThanOrEqual(100);
    // The API lists them like any event.
    const listed = (await vendor.get('/v1/webhook-events?type=spend.threshold_crossed').expect(200)).body.data;
    expect(listed.filter((e: any) => e.data.contractId === c.contractId)).toHaveLength(3);

    // More outcomes in the same period announce nothing again.
    await vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: 'q-more', type: 'query', quantity: '5', occurredAt: now }).expect(201);
    expect(await crossedEvents(c.contractId)).toHaveLength(3);
    const current = (await vendor.get(`/v1/contracts/${c.contractId}/current-period`).expect(200)).body;
    expect(current.thresholdsCrossed.map((x: any) => x.threshold)).toEqual([50, 80, 100]);
    expect(current.draft.subtotal).toBe('25.00');
    expect(current.spentShare).toBe('125.00');
  });

  it('controls set after outcomes of a contract without controls were ingested are checked from the next outcome on', async () => {
    const c = await customerWithContract(vendor, { currency: 'USD', timezone: 'UTC', taxRate: '0', terms: USAGE_TERMS });
    const now = new Date().toISOString();
    // Ingested while the contract has no controls: the service remembers "none" for a few seconds.
    await vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: 'n-1', type: 'query', quantity: '6', occurredAt: now }).expect(201);
    await vendor.put(`/v1/contracts/${c.contractId}/spend-controls`, { budget: '10.00' }).expect(200);
    expect(await crossedEvents(c.contractId)).toEqual([]);
    await vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: 'n-2', type: 'query', quantity: '1', occurredAt: now }).expect(201);
    expect((await crossedEvents(c.contractId)).map((e) => e.threshold)).toEqual([50]);
  });

  it('a batch is checked once: one batch reaching 50 % and 100 % announces both, once each; a second batch in parallel adds nothing twice', async () => {
    const c = await customerWithContract(vendor, { currency: 'USD', timezone: 'UTC', taxRate: '0', terms: USAGE_TERMS });
    await vendor.put(`/v1/contracts/${c.contractId}/spend-controls`, { budget: '10', thresholds: [50, 100, 150] }).expect(200);
    const now = new Date().toISOString();
    const batch = (from: number, n: number) => ({
      outcomes: Array.from({ length: n }, (_, i) => ({ contractId: c.contractId, externalId: `b-${from + i}`, type: 'query', quantity: '1', occurredAt: now })),
    });
    await vendor.post('/v1/outcomes/batch', batch(0, 10)).expect(200);
    expect((await crossedEvents(c.contractId)).map((e) => e.threshold)).toEqual([50, 100]);
    await Promise.all([vendor.post('/v1/outcomes/batch', batch(10, 3)).expect(200), vendor.post('/v1/outcomes/batch', batch(20, 3)).expect(200)]);
    expect((await crossedEvents(c.contractId)).map((e) => e.threshold).sort((a, b) => a - b)).toEqual([50, 100, 150]);
  });

  it('outcomes the customer verifies count when verified, not when claimed', async () => {
    const terms = { components: [{ type: 'per_outcome', unitPrice: '10', outcomeType: 'report', verification: 'customer' }] };
    const c = await customerWithContract(vendor, { currency: 'USD', timezone: 'UTC', taxRate: '0', terms });
    const customer = t.as(await issueKey(vendor, { role: 'customer', customerId: c.customerId }));
    await customer.put(`/v1/contracts/${c.contractId}/spend-controls`, { budget: '20', thresholds: [50] }).expect(200);
    const now = new Date().toISOString();
    const o = await vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: 'r-1', type: 'report', quantity: '1', occurredAt: now }).expect(201);
    expect(await crossedEvents(c.contractId)).toHaveLength(0);
    await customer.post(`/v1/outcomes/${o.body.id}/verify`, {}).expect(200);
    expect((await crossedEvents(c.contractId)).map((e) => e.threshold)).toEqual([50]);
  });

  it('claims deemed accepted by the sweep are checked too: a threshold they reach is announced by the sweep, once', async () => {
    const terms = {
      components: [{ type: 'per_outcome', outcomeType: 'answer', unitPrice: '10.00', verification: 'customer', objectionWindow: 'PT2S' }],
    };
    const c = await customerWithContract(vendor, { currency: 'USD', timezone: 'UTC', taxRate: '0', terms });
    await vendor.put(`/v1/contracts/${c.contractId}/spend-controls`, { budget: '20.00' }).expect(200);
    const now = new Date().toISOString();
    for (const i of [1, 2]) await vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: `a-${i}`, type: 'answer', occurredAt: now }).expect(201);
    // Recorded claims bill nothing yet: no threshold reached.
    expect(await crossedEvents(c.contractId)).toEqual([]);
    await new Promise((r) => setTimeout(r, 2500));
    const sweep = t.app.get(DeemingSweep);
    expect(await sweep.sweep()).toBeGreaterThanOrEqual(2);
    expect((await crossedEvents(c.contractId)).map((e) => e.threshold).sort((a, b) => a - b)).toEqual([50, 80, 100]);
    await sweep.sweep();
    expect(await crossedEvents(c.contractId)).toHaveLength(3);
  });
});

describe('GET /v1/contracts/:id/current-period on a fixed dataset', () => {
  let vendor: KeyedClient;

  beforeAll(async () => {
    vendor = t.as((await t.createVendor('Forecast vendor')).adminKey);
  });

  it('answers the draft so far and a linear run-rate forecast, figures worked by hand, and writes nothing', async () => {
    // March 2026 in Shanghai has 31 days; at 2026-03-10 noon, 10 have begun: factor 31/10 = 3.1.
    const terms = {
      components: [
        { type: 'flat_fee', amount: '1000', per: 'month' },
        { type: 'usage', metric: 'query', unitPrice: '0.20', per: '1', verification: 'auto' },
        { type: 'per_outcome', unitPrice: '5.00', outcomeType: 'resolution', verification: 'auto', includedPerPeriod: '2' },
      ],
    };
    const c = await customerWithContract(vendor, { terms }); // CNY, Asia/Shanghai, tax 6 %, from 2026-03-01
    const customer = t.as(await issueKey(vendor, { role: 'customer', customerId: c.customerId }));
    const record = (externalId: string, type: string, quantity: string, day: string) =>
      vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId, type, quantity, occurredAt: `2026-03-${day}T10:00:00+08:00` }).expect(201);
    await record('q-1', 'query', '100', '02');
    await record('q-2', 'query', '200', '05');
    await record('q-3', 'query', '200', '09');
    for (const [i, day] of ['03', '06', '08'].entries()) await record(`r-${i}`, 'resolution', '1', day);
    await customer.put(`/v1/contracts/${c.contractId}/spend-controls`, { budget: '2000' }).expect(200);

    const before = await t.counts(['invoices', 'webhook_events', 'spend_threshold_crossings']);
    const res = await customer.get(`/v1/contracts/${c.contractId}/current-period?at=${encodeURIComponent('2026-03-10T12:00:00+08:00')}`).expect(200);
    const v = res.body;
    expect(v.period).toEqual({ label: '2026-03', start: '2026-03-01', end: '2026-04-01' });
    expect(v.currency).toBe('CNY');
    // Draft: 1000 flat + 500 queries × 0.20 = 100 + 3 resolutions × 5 = 15, 2 of them included (−10).
    expect(v.draft.lines.map((l: any) => [l.key, l.amount])).toEqual([
      ['flat_fee', '1000.00'],
      ['query', '100.00'],
      ['per_outcome', '15.00'],
      ['per_outcome[included]', '-10.00'],
    ]);
    expect([v.draft.subtotal, v.draft.tax, v.draft.total]).toEqual(['1105.00', '66.30', '1171.30']);
    // Forecast: 1550 queries × 0.20 = 310; 9.3 resolutions × 5 = 46.50, still 2 included (−10); flat at full period.
    expect(v.forecast).toMatchObject({ elapsedDays: 10, totalDays: 31, factor: '3.1' });
    expect(v.forecast.method).toMatch(/^linear run-rate/);
    expect(v.forecast.lines.map((l: any) => [l.key, l.amount])).toEqual([
      ['flat_fee', '1000.00'],
      ['query', '310.00'],
      ['per_outcome', '46.50'],
      ['per_outcome[included]', '-10.00'],
    ]);
    expect([v.forecast.subtotal, v.forecast.tax, v.forecast.total]).toEqual(['1346.50', '80.79', '1427.29']);
    // Budget 2000 against the subtotal: 1105 / 2000 = 55.25 %; forecast 1346.50 / 2000 = 67.325 → 67.33 %.
    expect(v.spendControls).toMatchObject({ budget: '2000.00', thresholds: [50, 80, 100] });
    expect([v.budgetBasis, v.spentShare, v.forecastShare]).toEqual(['subtotal before tax', '55.25', '67.33']);
    expect(v.thresholdsCrossed).toEqual([]);
    expect(await t.counts(['invoices', 'webhook_events', 'spend_threshold_crossings'])).toEqual(before);

    // The draft so far is what a billing run drafts for the period.
    await runBilling(vendor, { period: '2026-03', contractIds: [c.contractId] });
    const [invoice] = (await vendor.get(`/v1/invoices?contractId=${c.contractId}&period=2026-03`).expect(200)).body.data;
    expect([invoice.subtotal, invoice.tax, invoice.total]).toEqual(['1105.00', '66.30', '1171.30']);
  });

  it('a contract without spend controls answers the draft and forecast with no budget figures', async () => {
    const c = await customerWithContract(vendor);
    await vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: 'q', type: 'query', quantity: '10', occurredAt: '2026-04-01T08:00:00+08:00' }).expect(201);
    // 2026-04-01 is the first of 30 days: the forecast is 30 × the day so far.
    const v = (await vendor.get(`/v1/contracts/${c.contractId}/current-period?at=2026-04-01T23:00:00%2B08:00`).expect(200)).body;
    expect(v.draft.subtotal).toBe('2.00');
    expect(v.forecast).toMatchObject({ elapsedDays: 1, totalDays: 30, factor: '30', subtotal: '60.00' });
    expect([v.spendControls, v.spentShare, v.forecastShare]).toEqual([null, null, null]);
  });
});
