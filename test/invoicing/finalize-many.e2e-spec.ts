import type { Principal } from '../../src/auth/principal';
import { vendorScope } from '../../src/auth/scope';
import { ContractsService } from '../../src/contracts/contracts.service';
import { InvoicesService } from '../../src/invoicing/invoices.service';
import { LedgerService } from '../../src/ledger/ledger.service';
import { customerWithContract, GUARANTEE_WITHOUT_KPI_TERMS } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';

describe('finalizing many invoices at once (a billing run), their entries posted as one ledger batch', () => {
  let t: TestApp;
  let invoices: InvoicesService;

  beforeAll(async () => {
    t = await createTestApp();
    invoices = t.app.get(InvoicesService);
  });
  afterAll(() => t.close());

  async function draftFor(vendorId: string, contractId: string): Promise<string> {
    const contract = await t.app.get(ContractsService).findInScope(vendorScope(vendorId), contractId);
    const d = await invoices.refreshDraft(vendorId, contract, '2026-03');
    return d.invoiceId!;
  }

  async function metered(vendor: KeyedClient, vendorId: string, queries: string): Promise<string> {
    const { contractId } = await customerWithContract(vendor);
    await vendor
      .post(`/v1/contracts/${contractId}/outcomes`, { externalId: 'q-1', type: 'query', quantity: queries, occurredAt: '2026-03-15T10:00:00+08:00' })
      .expect(201);
    return draftFor(vendorId, contractId);
  }

  it('finalizes each draft with a gapless number and its own journal entry, reports a refused one alone, and the chain verifies', async () => {
    const { vendorId, adminKey } = await t.createVendor('Batch finalizer');
    const vendor = t.as(adminKey);
    const [key] = await t.db.query(`SELECT id FROM api_keys WHERE vendor_id = $1 LIMIT 1`, [vendorId]);
    const admin: Principal = { vendorId, keyId: key.id, role: 'vendor_admin', customerId: null, contractIds: null } as Principal;

    const good: string[] = [];
    for (let i = 0; i < 5; i++) good.push(await metered(vendor, vendorId, String(100 * (i + 1))));
    // A guarantee without its KPI measurement: the engine refuses to finalize it.
    const { contractId: guaranteed } = await customerWithContract(vendor, {
      terms: GUARANTEE_WITHOUT_KPI_TERMS,
    });
    const refused = await draftFor(vendorId, guaranteed);
    const ids = [good[0], refused, ...good.slice(1)];

    const results = await invoices.finalizeMany(admin, ids);
    expect(results.map((r) => r.invoiceId)).toEqual(ids);
    expect(results[1]).toMatchObject({ invoiceId: refused, error: { code: 'INVOICE_PRICING_REFUSED' } });
    const done = results.filter((r) => r.invoice);
    expect(done).toHaveLength(5);
    const numbers = done.map((r) => r.invoice!.number!).sort();
    const year = numbers[0].slice(4, 8);
    expect(numbers).toEqual(numbers.map((_, k) => `INV-${year}-${String(k + 1).padStart(6, '0')}`));
    expect(results[0].invoice).toMatchObject({ status: 'finalized', total: '21.20' });

    // One entry per finalized invoice, named on the invoice, and nothing for the refused one.
    const rows: Array<{ id: string; journal_entry_id: string; status: string }> = await t.db.query(
      `SELECT id, journal_entry_id, status FROM invoices WHERE vendor_id = $1`,
      [vendorId],
    );
    const entries: Array<{ id: string; reference_id: string }> = await t.db.query(
      `SELECT id, reference_id FROM journal_entries WHERE vendor_id = $1`,
      [vendorId],
    );
    expect(entries.map((e) => e.reference_id).sort()).toEqual([...good].sort());
    for (const e of entries) expect(rows.find((r) => r.id === e.reference_id)!.journal_entry_id).toBe(e.id);
    expect(rows.find((r) => r.id === refused)).toMatchObject({ status: 'draft', journal_entry_id: null });
    const [billed] = await t.db.query(`SELECT count(*)::int AS n FROM invoice_outcomes WHERE vendor_id = $1`, [vendorId]);
    expect(billed.n).toBe(5);
    expect(await t.app.get(LedgerService).verify(vendorId)).toMatchObject({ ok: true, entries: 5 });

    // Again: every invoice answers as it is, and nothing more is posted or numbered.
    const again = await invoices.finalizeMany(admin, good);
    expect(again.map((r) => r.invoice!.number)).toEqual(good.map((id) => results.find((r) => r.invoiceId === id)!.invoice!.number));
    expect(await t.app.get(LedgerService).verify(vendorId)).toMatchObject({ ok: true, entries: 5 });
    const check = await vendor.get(`/v1/invoices/${good[2]}/verify`).expect(200);
    expect(check.body).toMatchObject({ matches: true, outcomes: { billed: 1, reversed: 0 } });
  });

  it('answers a foreign invoice as not found without touching the others', async () => {
    const a = await t.createVendor('Batch A');
    const b = await t.createVendor('Batch B');
    const mine = await metered(t.as(a.adminKey), a.vendorId, '10');
    const theirs = await metered(t.as(b.adminKey), b.vendorId, '10');
    const [key] = await t.db.query(`SELECT id FROM api_keys WHERE vendor_id = $1 LIMIT 1`, [a.vendorId]);
    const admin = { vendorId: a.vendorId, keyId: key.id, role: 'vendor_admin', customerId: null, contractIds: null } as Principal;
    const results = await invoices.finalizeMany(admin, [mine, theirs]);
    expect(results[0].invoice).toMatchObject({ status: 'finalized' });
    expect(results[1]).toMatchObject({ invoiceId: theirs, error: { code: 'NOT_FOUND' } });
    const [row] = await t.db.query(`SELECT status FROM invoices WHERE id = $1`, [theirs]);
    expect(row.status).toBe('draft');
  });
});
