jest.setTimeout(300_000);

import { loadSeedScenarios, outcomesOfScenario, type SeedScenario } from '../../src/demo/seed-scenarios';
import { IdsDigest } from '../../src/pricing/aggregates';
import { createTestApp, TestApp } from '../support/test-app';
import { bill, recordOutcomes, scenarioContract, ScenarioContract } from './helpers';

const scenarios = loadSeedScenarios();
const byId = (id: string) => scenarios.find((s) => s.id === id)!;

describe('billing the seven seed contracts through HTTP', () => {
  let t: TestApp;
  let vendor: ReturnType<TestApp['as']>;
  const contracts = new Map<string, ScenarioContract>();
  const invoices = new Map<string, any>(); // `${scenario}:${period}` → finalized invoice

  beforeAll(async () => {
    t = await createTestApp();
    vendor = t.as((await t.createVendor('Seed vendor')).adminKey);
    for (const s of scenarios) {
      const c = await scenarioContract(t.as, vendor, s);
      contracts.set(s.id, c);
      await recordOutcomes(vendor, c, outcomesOfScenario(s));
    }
  });
  afterAll(() => t.close());

  const finalizable = (s: SeedScenario) =>
    Object.keys(s.expected)
      .sort()
      .filter((label) => !String(s.expected[label].finalize ?? '').startsWith('refused'))
      .map((label) => [s.id, label] as const);

  it.each(scenarios.flatMap(finalizable))('finalizes %s %s to exactly the expected subtotal, tax and total', async (id, label) => {
    const s = byId(id);
    const c = contracts.get(id)!;
    const expected = s.expected[label] as Record<string, any>;
    const draft = await bill(vendor, c.contractId, label);
    expect(draft).toMatchObject({ status: 'draft', number: null, subtotal: expected.subtotal, total: expected.total });
    const res = await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200);
    const inv = res.body;
    expect(inv).toMatchObject({ status: expected.total === '0.00' ? 'paid' : 'finalized', subtotal: expected.subtotal, tax: expected.tax, total: expected.total });
    expect(inv.number).toMatch(/^INV-\d{4}-\d{6}$/);
    expect(inv.amountDue).toBe(expected.total);
    for (const [key, amount] of Object.entries(expected.lines ?? {})) {
      expect(inv.lines.find((l: any) => l.key === key || l.component === key)?.amount).toBe(amount);
    }
    if (expected.guarantee) expect(inv.trace.lines[0].guarantee.result).toBe(expected.guarantee);
    const verify = await vendor.get(`/v1/invoices/${inv.id}/verify`).expect(200);
    expect(verify.body).toMatchObject({ matches: true, storedDigest: inv.traceDigest, recomputedDigest: inv.traceDigest });
    invoices.set(`${id}:${label}`, inv);
  });

  it('bills the radiology copilot for its 7,800 accepted reports only, exactly once each', async () => {
    const inv = invoices.get('radiology:2026-03');
    const verify = await vendor.get(`/v1/invoices/${inv.id}/verify`).expect(200);
    expect(verify.body.outcomes).toEqual({ billed: 7800, reversed: 0 });
    // The ids digest in the trace is recomputable offline from the recorded ids.
    const ids: Array<{ outcome_id: string }> = await t.db.query(`SELECT outcome_id FROM invoice_outcomes WHERE invoice_id = $1`, [inv.id]);
    expect(inv.trace.lines[0].inputs).toMatchObject({ count: '7800', idsDigest: IdsDigest.of(ids.map((r) => r.outcome_id)) });
  });

  it("refuses to finalize the traffic contract's April, naming the missing KPI, and keeps it a draft", async () => {
    const c = contracts.get('traffic')!;
    const draft = await bill(vendor, c.contractId, '2026-04');
    expect(draft.refusal).toMatchObject({ code: 'KPI_MEASUREMENT_MISSING' });
    const res = await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({
      code: 'INVOICE_PRICING_REFUSED',
      detail: 'no verified congestion_reduction_pct measurement for the period',
      pricingCode: 'KPI_MEASUREMENT_MISSING',
    });
    const after = await vendor.get(`/v1/invoices/${draft.id}`).expect(200);
    expect(after.body).toMatchObject({ status: 'draft', number: null });
  });

  it('numbers the finalized invoices gaplessly from INV-<year>-000001', async () => {
    const numbers = [...invoices.values()].map((i) => i.number).sort();
    const year = numbers[0].slice(4, 8);
    expect(numbers).toEqual(numbers.map((_, k) => `INV-${year}-${String(k + 1).padStart(6, '0')}`));
  });

  it('takes a payment and a credit note, and the ledger balances: receivables = invoiced − paid − credited', async () => {
    const paidInvoice = invoices.get('inspection:2026-03');
    const partial = await vendor.post(`/v1/invoices/${paidInvoice.id}/payments`, { amount: '100000.00', paidOn: '2026-04-10', reference: 'BANK-1' }).expect(201);
    expect(partial.body).toMatchObject({ amount: '100000.00', paidOn: '2026-04-10' });
    const over = await vendor.post(`/v1/invoices/${paidInvoice.id}/payments`, { amount: '165000.01', paidOn: '2026-04-11' }).expect(422);
    expect(over.body).toMatchObject({ code: 'PAYMENT_EXCEEDS_AMOUNT_DUE', errors: [{ field: 'amount' }] });
    await vendor.post(`/v1/invoices/${paidInvoice.id}/payments`, { amount: '165000.00', paidOn: '2026-04-12', reference: 'BANK-2' }).expect(201);
    const paid = await vendor.get(`/v1/invoices/${paidInvoice.id}`).expect(200);
    expect(paid.body).toMatchObject({ status: 'paid', amountPaid: '265000.00', amountDue: '0.00' });

    const credited = invoices.get('credit-risk:2026-03');
    const note = await vendor.post(`/v1/invoices/${credited.id}/credit-notes`, { reason: 'write-off figures restated' }).expect(201);
    expect(note.body).toMatchObject({ subtotal: '360000.00', tax: '21600.00', total: '381600.00' });
    expect(note.body.number).toMatch(/^CN-\d{4}-000001$/);
    const voided = await vendor.get(`/v1/invoices/${credited.id}`).expect(200);
    expect(voided.body).toMatchObject({ status: 'void', amountCredited: '381600.00', amountDue: '0.00' });

    // Receivables per currency from the ledger against invoiced − paid − credited.
    const rows: Array<{ currency: string; receivable: string }> = await t.db.query(
      `SELECT l.currency, (COALESCE(sum(l.debit), 0) - COALESCE(sum(l.credit), 0))::numeric(38,2)::text AS receivable
         FROM journal_lines l WHERE l.account LIKE 'receivable:%' GROUP BY l.currency ORDER BY 1`,
    );
    const expected: Array<{ currency: string; due: string }> = await t.db.query(
      `SELECT i.currency, (sum(i.total) - COALESCE(sum(p.paid), 0) - COALESCE(sum(c.credited), 0))::numeric(38,2)::text AS due
         FROM invoices i
         LEFT JOIN (SELECT invoice_id, sum(amount) AS paid FROM payments GROUP BY 1) p ON p.invoice_id = i.id
         LEFT JOIN (SELECT invoice_id, sum(total) AS credited FROM credit_notes GROUP BY 1) c ON c.invoice_id = i.id
        WHERE i.status <> 'draft' GROUP BY i.currency ORDER BY 1`,
    );
    expect(rows.map((r) => [r.currency, r.receivable])).toEqual(expected.map((e) => [e.currency, e.due]));
    expect(rows.length).toBeGreaterThan(0);
    const ledger = await vendor.get('/v1/ledger/verify').expect(200);
    expect(ledger.body.ok).toBe(true);
  });
});
