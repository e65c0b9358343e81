jest.setTimeout(300_000);

import { customerWithContract, issueKey } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

const binary = (res: any, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

describe('invoices: reads, documents, credit notes, payments and guards', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let customer: KeyedClient;
  let auditor: KeyedClient;
  let contractId: string;
  let invoice: any; // finalized March invoice: 2 lines (input and output tokens)
  let draft: any; // April draft

  beforeAll(async () => {
    t = await createTestApp({ validateResponses: true }); // every answer held to /openapi.json
    vendor = t.as((await t.createVendor('Docs vendor')).adminKey);
    const c = await customerWithContract(vendor, {
      currency: 'USD',
      timezone: 'UTC',
      taxRate: '0.10',
      terms: {
        components: [
          { type: 'flat_fee', amount: '100.00', per: 'month', quantity: '2', unit: 'seat' },
          { type: 'usage', metric: 'query', unitPrice: '0.20', per: '1', verification: 'auto' },
        ],
      },
    });
    contractId = c.contractId;
    customer = t.as(await issueKey(vendor, { role: 'customer', customerId: c.customerId }));
    auditor = t.as(await issueKey(vendor, { role: 'auditor' }));
    await vendor.post(`/v1/contracts/${contractId}/outcomes`, { externalId: 'q-03', type: 'query', quantity: '500', occurredAt: '2026-03-10T00:00:00Z' }).expect(201);
    await runBilling(vendor, { period: '2026-03', contractIds: [contractId] });
    const list = await vendor.get(`/v1/invoices?contractId=${contractId}`).expect(200);
    invoice = (await vendor.post(`/v1/invoices/${list.body.data[0].id}/finalize`).expect(200)).body;
    await runBilling(vendor, { period: '2026-04', contractIds: [contractId] });
    draft = (await vendor.get(`/v1/invoices?contractId=${contractId}&period=2026-04`).expect(200)).body.data[0];
  });
  afterAll(() => t.close());

  it('shows an invoice with its lines, figures as strings, amount due and calculation trace', async () => {
    const res = await vendor.get(`/v1/invoices/${invoice.id}`).expect(200);
    expect(res.body).toMatchObject({
      status: 'finalized',
      period: { label: '2026-03', start: '2026-03-01', end: '2026-04-01' },
      currency: 'USD',
      subtotal: '300.00',
      tax: '30.00',
      total: '330.00',
      amountPaid: '0.00',
      amountCredited: '0.00',
      amountDue: '330.00',
    });
    expect(res.body.lines).toEqual([
      expect.objectContaining({ key: 'flat_fee', component: 'flat_fee', quantity: '2', unitPrice: '100.00', amount: '200.00' }),
      expect.objectContaining({ key: 'query', component: 'usage', quantity: '500', unitPrice: '0.20', amount: '100.00' }),
    ]);
    expect(res.body.trace.lines.map((l: any) => l.formula)).toEqual(['100.00 × 2', '0.20 × 500']);
    expect(res.body.traceDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lets the customer read its finalized invoices but not drafts, and lets auditors read but not write', async () => {
    await customer.get(`/v1/invoices/${invoice.id}`).expect(200);
    await customer.get(`/v1/invoices/${draft.id}`).expect(404);
    const list = await customer.get('/v1/invoices').expect(200);
    expect(list.body.data.map((i: any) => i.id)).toEqual([invoice.id]);
    await customer.post(`/v1/invoices/${draft.id}/finalize`).expect(403);
    await auditor.get(`/v1/invoices/${draft.id}`).expect(200);
    await auditor.post(`/v1/invoices/${invoice.id}/payments`, { amount: '1.00', paidOn: '2026-04-01' }).expect(403);
    const other = t.as((await t.createVendor('Other vendor')).adminKey);
    const foreign = await other.get(`/v1/invoices/${invoice.id}`).expect(404);
    expect(foreign.body.code).toBe('NOT_FOUND');
    await other.post(`/v1/invoices/${draft.id}/finalize`).expect(404);
  });

  it('filters the list by period and status and pages with a cursor', async () => {
    const march = await vendor.get(`/v1/invoices?period=2026-03&contractId=${contractId}`).expect(200);
    expect(march.body.data.map((i: any) => i.id)).toEqual([invoice.id]);
    const drafts = await vendor.get(`/v1/invoices?status=draft&contractId=${contractId}`).expect(200);
    expect(drafts.body.data.map((i: any) => i.id)).toEqual([draft.id]);
    const page1 = await vendor.get(`/v1/invoices?contractId=${contractId}&limit=1`).expect(200);
    const page2 = await vendor.get(`/v1/invoices?contractId=${contractId}&limit=1&cursor=${page1.body.nextCursor}`).expect(200);
    expect([page1.body.data[0].id, page2.body.data[0].id].sort()).toEqual([invoice.id, draft.id].sort());
    const bad = await vendor.get('/v1/invoices?status=open').expect(422);
    expect(bad.body.errors.map((e: any) => e.field)).toContain('status');
  });

  it('renders the invoice as a PDF by path and by Accept header', async () => {
    const byPath = await vendor.get(`/v1/invoices/${invoice.id}/pdf`).buffer(true).parse(binary).expect(200);
    expect(byPath.headers['content-type']).toBe('application/pdf');
    expect((byPath.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
    const byAccept = await vendor.get(`/v1/invoices/${invoice.id}`).set('Accept', 'application/pdf').buffer(true).parse(binary).expect(200);
    expect(byAccept.headers['content-type']).toBe('application/pdf');
    expect((byAccept.body as Buffer).length).toBeGreaterThan(1000);
    await customer.get(`/v1/invoices/${draft.id}/pdf`).expect(404);
  });

  it('exports a period’s invoices as CSV, the customer seeing only its own', async () => {
    const res = await vendor.get('/v1/invoices.csv?period=2026-03').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...rows] = res.text.trim().split('\n');
    expect(header.split(',')).toEqual(expect.arrayContaining(['number', 'status', 'subtotal', 'tax', 'total', 'amount_due', 'trace_digest']));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(invoice.number);
    expect(rows[0]).toContain('330.00');
    const other = await customerWithContract(vendor);
    const otherCustomer = t.as(await issueKey(vendor, { role: 'customer', customerId: other.customerId }));
    const none = await otherCustomer.get('/v1/invoices.csv?period=2026-03').expect(200);
    expect(none.text.trim().split('\n')).toHaveLength(1);
    await vendor.get('/v1/invoices.csv?period=March').expect(422);
  });

  it('refuses bad billing runs naming the field and writes nothing', async () => {
    const before = await t.counts(['billing_runs', 'invoices']);
    const res = await vendor.post('/v1/billing-runs', { period: '2026-13' }).expect(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors.map((e: any) => e.field)).toContain('period');
    await vendor.post('/v1/billing-runs', { period: '2026-03', contractIds: ['not-a-uuid'] }).expect(422);
    await vendor.post('/v1/billing-runs', { period: '2026-03', contractIds: ['0199a000-0000-7000-8000-000000000000'] }).expect(404);
    await customer.post('/v1/billing-runs', { period: '2026-03' }).expect(403);
    expect(await t.counts(['billing_runs', 'invoices'])).toEqual(before);
  });

  it('takes partial payments, refuses overpayment and bad amounts, records a reference once, and marks the invoice paid', async () => {
    const c = await customerWithContract(vendor, { currency: 'USD', timezone: 'UTC', taxRate: '0' });
    await vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: 'q', type: 'query', quantity: '1000', occurredAt: '2026-03-10T00:00:00Z' }).expect(201);
    await runBilling(vendor, { period: '2026-03', contractIds: [c.contractId] });
    const d = (await vendor.get(`/v1/invoices?contractId=${c.contractId}`).expect(200)).body.data[0];
    const onDraft = await vendor.post(`/v1/invoices/${d.id}/payments`, { amount: '1.00', paidOn: '2026-04-01' }).expect(409);
    expect(onDraft.body.code).toBe('INVOICE_NOT_FINALIZED');
    const inv = (await vendor.post(`/v1/invoices/${d.id}/finalize`).expect(200)).body;
    expect(inv.total).toBe('200.00');
    const before = await t.counts(['payments', 'journal_entries']);
    for (const [body, field] of [
      [{ amount: '12.345', paidOn: '2026-04-01' }, 'amount'],
      [{ amount: '-5', paidOn: '2026-04-01' }, 'amount'],
      [{ amount: '5.00', paidOn: '2026-02-30' }, 'paidOn'],
      [{ amount: 5, paidOn: '2026-04-01' }, 'amount'],
    ] as const) {
      const res = await vendor.post(`/v1/invoices/${inv.id}/payments`, body).expect(422);
      expect(res.body.errors.map((e: any) => e.field)).toContain(field);
    }
    expect(await t.counts(['payments', 'journal_entries'])).toEqual(before);

    const first = await vendor.post(`/v1/invoices/${inv.id}/payments`, { amount: '50.00', paidOn: '2026-04-02', reference: 'WIRE-7' }).expect(201);
    const again = await vendor.post(`/v1/invoices/${inv.id}/payments`, { amount: '50.00', paidOn: '2026-04-02', reference: 'WIRE-7' }).expect(201);
    expect(again.body.id).toBe(first.body.id);
    const clash = await vendor.post(`/v1/invoices/${inv.id}/payments`, { amount: '60.00', paidOn: '2026-04-02', reference: 'WIRE-7' }).expect(409);
    expect(clash.body).toMatchObject({ code: 'PAYMENT_REFERENCE_REUSED', errors: [{ field: 'reference' }] });
    const replayKey = { 'Idempotency-Key': 'pay-2' };
    const p2 = await vendor.post(`/v1/invoices/${inv.id}/payments`, { amount: '100.00', paidOn: '2026-04-03' }, replayKey).expect(201);
    const p2again = await vendor.post(`/v1/invoices/${inv.id}/payments`, { amount: '100.00', paidOn: '2026-04-03' }, replayKey).expect(201);
    expect(p2again.body.id).toBe(p2.body.id);
    const over = await vendor.post(`/v1/invoices/${inv.id}/payments`, { amount: '50.01', paidOn: '2026-04-04' }).expect(422);
    expect(over.body.code).toBe('PAYMENT_EXCEEDS_AMOUNT_DUE');
    await vendor.post(`/v1/invoices/${inv.id}/payments`, { amount: '50.00', paidOn: '2026-04-04' }).expect(201);
    const paid = await vendor.get(`/v1/invoices/${inv.id}`).expect(200);
    expect(paid.body).toMatchObject({ status: 'paid', amountPaid: '200.00', amountDue: '0.00' });
    const payments = await customer.get(`/v1/invoices/${invoice.id}/payments`).expect(200);
    expect(payments.body).toEqual([]);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM webhook_events WHERE type = 'invoice.paid' AND payload->>'id' = $1`, [inv.id]);
    expect(n).toBe(1);
  });

  it('credits per line, then the rest, numbering credit notes gaplessly; the invoice ends void and the credits add up to its total', async () => {
    const before = await t.counts(['credit_notes']);
    const unknown = await vendor.post(`/v1/invoices/${invoice.id}/credit-notes`, { reason: 'x', lines: [{ key: 'nope', amount: '1.00' }] }).expect(422);
    expect(unknown.body).toMatchObject({ code: 'CREDIT_LINE_UNKNOWN', errors: [{ field: 'lines[0].key' }] });
    const tooMuch = await vendor.post(`/v1/invoices/${invoice.id}/credit-notes`, { reason: 'x', lines: [{ key: 'query', amount: '100.01' }] }).expect(422);
    expect(tooMuch.body).toMatchObject({ code: 'CREDIT_EXCEEDS_LINE', errors: [{ field: 'lines[0].amount' }] });
    await vendor.post(`/v1/invoices/${invoice.id}/credit-notes`, { lines: [{ key: 'query', amount: '1.00' }] }).expect(422);
    await vendor.post(`/v1/invoices/${draft.id}/credit-notes`, { reason: 'x' }).expect(409);
    expect(await t.counts(['credit_notes'])).toEqual(before);

    const part = await vendor.post(`/v1/invoices/${invoice.id}/credit-notes`, { reason: 'queries double-counted', lines: [{ key: 'query', amount: '33.33' }] }).expect(201);
    expect(part.body).toMatchObject({ subtotal: '33.33', tax: '3.33', total: '36.66', lines: [{ key: 'query', amount: '33.33' }] });
    const mid = await vendor.get(`/v1/invoices/${invoice.id}`).expect(200);
    expect(mid.body).toMatchObject({ status: 'finalized', amountCredited: '36.66', amountDue: '293.34' });

    const rest = await vendor.post(`/v1/invoices/${invoice.id}/credit-notes`, { reason: 'contract cancelled' }).expect(201);
    expect(rest.body).toMatchObject({ subtotal: '266.67', tax: '26.67', total: '293.34' });
    const year = part.body.number.slice(3, 7);
    expect([part.body.number, rest.body.number]).toEqual([`CN-${year}-000001`, `CN-${year}-000002`]);
    const done = await vendor.get(`/v1/invoices/${invoice.id}`).expect(200);
    expect(done.body).toMatchObject({ status: 'void', amountCredited: '330.00', amountDue: '0.00' });
    const nothing = await vendor.post(`/v1/invoices/${invoice.id}/credit-notes`, { reason: 'again' }).expect(409);
    expect(nothing.body.code).toBe('INVOICE_VOID');
    const notes = await customer.get(`/v1/invoices/${invoice.id}/credit-notes`).expect(200);
    expect(notes.body.map((n: any) => n.total)).toEqual(['36.66', '293.34']);
  });

  it('refuses in the database any change to a finalized invoice but its status, and any change to the billing record', async () => {
    const fin = await vendor.get(`/v1/invoices?contractId=${contractId}&period=2026-03`).expect(200);
    const id = fin.body.data[0].id;
    await expect(t.db.query(`UPDATE invoices SET total = 1 WHERE id = $1`, [id])).rejects.toThrow(/only its status may change/);
    await expect(t.db.query(`UPDATE invoices SET lines = '[]' WHERE id = $1`, [id])).rejects.toThrow(/only its status may change/);
    await expect(t.db.query(`DELETE FROM invoices WHERE id = $1`, [id])).rejects.toThrow(/DELETE refused/);
    await expect(t.db.query(`UPDATE invoices SET status = 'draft' WHERE id = $1`, [id])).rejects.toThrow(/cannot move/);
    for (const table of ['invoice_outcomes', 'credit_notes', 'payments']) {
      await expect(t.db.query(`DELETE FROM ${table}`)).rejects.toThrow(/append-only/);
      await expect(t.db.query(`UPDATE ${table} SET vendor_id = vendor_id`)).rejects.toThrow(/append-only/);
    }
    // A draft stays editable: billing runs recompute it.
    await t.db.query(`UPDATE invoices SET computed_at = now() WHERE id = $1`, [draft.id]);
  });
});
