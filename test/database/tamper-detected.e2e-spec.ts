jest.setTimeout(180_000);

import { customerWithContract } from '../support/fixtures';
import { tamper, tamperings } from '../support/tamper';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

/**
 * Detection, as someone holding the owner's or superuser's password would tamper: with every
 * trigger bypassed, a finalized invoice's stored figures are changed beside a trace and digest
 * left intact. Invoice verify recomputes and compares each figure and line, so each is named.
 */
describe('verify detects what an owner with triggers bypassed changes', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let vendorId: string;
  let invoiceId: string;

  beforeAll(async () => {
    t = await createTestApp();
    const v = await t.createVendor('Detection vendor');
    vendorId = v.vendorId;
    vendor = t.as(v.adminKey);
    const c = await customerWithContract(vendor, {
      currency: 'USD',
      timezone: 'UTC',
      taxRate: '0',
      terms: { components: [{ type: 'usage', metric: 'query', unitPrice: '1.00', per: '1', verification: 'auto' }] },
    });
    await vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: 'q-1', type: 'query', quantity: '100', occurredAt: '2026-03-10T00:00:00Z' }).expect(201);
    await runBilling(vendor, { period: '2026-03', contractIds: [c.contractId] });
    const draft = (await vendor.get(`/v1/invoices?contractId=${c.contractId}`).expect(200)).body.data[0];
    invoiceId = (await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200)).body.id;
  });
  afterAll(() => t?.close());

  it('an untouched invoice matches, with no mismatch', async () => {
    const v = (await vendor.get(`/v1/invoices/${invoiceId}/verify`).expect(200)).body;
    expect(v).toMatchObject({ matches: true, mismatches: [] });
  });

  it('a raised stored total is named, although the trace digest still matches', async () => {
    expect(await tamperings.setInvoiceTotal(t.databaseUrl, vendorId, invoiceId, '1000.00')).toBe(1);
    const v = (await vendor.get(`/v1/invoices/${invoiceId}/verify`).expect(200)).body;
    expect(v.storedDigest).toBe(v.recomputedDigest);
    expect(v.matches).toBe(false);
    expect(v.mismatches).toEqual([{ field: 'total', stored: expect.stringMatching(/^1000(\.0+)?$/), recomputed: '100.00' }]);
    await tamperings.setInvoiceTotal(t.databaseUrl, vendorId, invoiceId, '100.00');
  });

  it('a changed line amount is named by its line and field', async () => {
    await tamper(t.databaseUrl, `UPDATE invoices SET lines = jsonb_set(lines, '{0,amount}', '"1.00"') WHERE vendor_id = $1 AND id = $2`, [vendorId, invoiceId]);
    const v = (await vendor.get(`/v1/invoices/${invoiceId}/verify`).expect(200)).body;
    expect(v.matches).toBe(false);
    expect(v.mismatches).toEqual([{ field: 'lines[0].amount', stored: '1.00', recomputed: '100.00' }]);
  });

  it('a rewritten journal line fails ledger verify', async () => {
    expect((await vendor.get('/v1/ledger/verify').expect(200)).body.ok).toBe(true);
    const [entry] = await t.db.query(`SELECT id FROM journal_entries WHERE vendor_id = $1 ORDER BY sequence LIMIT 1`, [vendorId]);
    expect(await tamperings.setJournalLine(t.databaseUrl, vendorId, entry.id, 1, 'debit', '1000.00')).toBe(1);
    const after = (await vendor.get('/v1/ledger/verify').expect(200)).body;
    expect(after.ok).toBe(false);
  });
});
