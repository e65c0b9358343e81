jest.setTimeout(300_000);

import { verifyBundle } from '../../src/audit/verify-bundle';
import { binary, saveTo, tempDir } from '../reports/support';
import { customerWithContract, issueKey } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

// 100 a month flat + 10 per report; the customer's budget of 150 with the hard limit on.
const TERMS = {
  components: [
    { type: 'flat_fee', amount: '100', per: 'month' },
    { type: 'per_outcome', unitPrice: '10', outcomeType: 'report', verification: 'auto' },
  ],
};

describe('the hard limit: outcomes beyond the budget are recorded, shown and not billed', () => {
  let t: TestApp;
  let vendor: KeyedClient;

  beforeAll(async () => {
    t = await createTestApp();
    vendor = t.as((await t.createVendor('Hard limit vendor')).adminKey);
  });
  afterAll(() => t.close());

  it('prices 8 reports against a budget of 150 at 150, with a line that says why; the finalized invoice re-verifies, online and offline', async () => {
    const c = await customerWithContract(vendor, { currency: 'USD', timezone: 'UTC', taxRate: '0', terms: TERMS });
    const customer = t.as(await issueKey(vendor, { role: 'customer', customerId: c.customerId }));
    const controls = (await customer.put(`/v1/contracts/${c.contractId}/spend-controls`, { budget: '150', hardLimit: true }).expect(200)).body.current;
    const now = new Date().toISOString();
    for (let i = 0; i < 8; i++)
      await vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: `r-${i}`, type: 'report', quantity: '1', occurredAt: now }).expect(201);

    const expected = [
      ['flat_fee', 'charge', '100.00'],
      ['per_outcome', 'charge', '80.00'],
      ['invoice:hard_limit', 'spend_limit', '-30.00'],
    ];
    const current = (await vendor.get(`/v1/contracts/${c.contractId}/current-period`).expect(200)).body;
    expect(current.draft.lines.map((l: any) => [l.key, l.kind, l.amount])).toEqual(expected);
    expect(current.draft.lines[2].description).toBe('Outcomes beyond the budget of 150: not billed (hard limit)');
    expect([current.draft.subtotal, current.spentShare]).toEqual(['150.00', '100.00']);

    // Every outcome is recorded and shown, verified; only the invoice line holds the excess back.
    const listed = (await vendor.get(`/v1/outcomes?contractId=${c.contractId}&limit=50`).expect(200)).body.data;
    expect(listed.map((o: any) => o.status)).toEqual(Array(8).fill('verified'));

    const label = current.period.label;
    await runBilling(vendor, { period: label, contractIds: [c.contractId] });
    const [draft] = (await vendor.get(`/v1/invoices?contractId=${c.contractId}&period=${label}`).expect(200)).body.data;
    expect(draft.lines.map((l: any) => [l.key, l.kind, l.amount])).toEqual(expected);
    const invoice = (await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200)).body;
    expect([invoice.subtotal, invoice.total]).toEqual(['150.00', '150.00']);
    const hardLimitTrace = invoice.trace.lines.find((l: any) => l.key === 'invoice:hard_limit');
    expect(hardLimitTrace.inputs).toMatchObject({ budget: '150', outcomePriced: '80.00', otherLines: '100.00', controlsVersionId: controls.id });

    // The limit is recorded with the invoice: turning it off later changes nothing it proves.
    await customer.put(`/v1/contracts/${c.contractId}/spend-controls`, { budget: '150', hardLimit: false }).expect(200);
    expect((await vendor.get(`/v1/invoices/${invoice.id}/verify`).expect(200)).body.matches).toBe(true);
    // A what-if of the current terms gives the invoice again: the recorded limit binds the simulation too.
    const terms = (await vendor.get(`/v1/contracts/${c.contractId}`).expect(200)).body.currentTerms.terms;
    const sim = (await vendor.post(`/v1/contracts/${c.contractId}/simulations`, { terms, from: label, to: label }).expect(200)).body;
    expect(sim.periods[0]).toMatchObject({ simulated: { subtotal: '150.00', total: '150.00' }, difference: '0.00' });

    const res = await customer.get(`/v1/contracts/${c.contractId}/evidence`).buffer(true).parse(binary).expect(200);
    const dir = tempDir('ol-hard-limit-');
    const file = saveTo(dir, 'bundle.zip', res.body);
    const key = (await vendor.get('/v1/vendor/signing-key').expect(200)).body.publicKeyPem;
    const report = await verifyBundle(file, { publicKeyPem: key });
    expect(report.checks.filter((x) => x.status === 'fail')).toEqual([]);
    expect(report.checks).toContainEqual({ status: 'ok', subject: 'invoices', message: '1 invoice(s) recomputed with the pricing engine: all match' });
  });

  it('without the hard limit the same outcomes bill in full', async () => {
    const c = await customerWithContract(vendor, { currency: 'USD', timezone: 'UTC', taxRate: '0', terms: TERMS });
    await vendor.put(`/v1/contracts/${c.contractId}/spend-controls`, { budget: '150' }).expect(200);
    const now = new Date().toISOString();
    for (let i = 0; i < 8; i++)
      await vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: `r-${i}`, type: 'report', quantity: '1', occurredAt: now }).expect(201);
    const current = (await vendor.get(`/v1/contracts/${c.contractId}/current-period`).expect(200)).body;
    expect(current.draft.lines.map((l: any) => l.key)).toEqual(['flat_fee', 'per_outcome']);
    expect([current.draft.subtotal, current.spentShare]).toEqual(['180.00', '120.00']);
  });
});
