import { ContractsService } from '../../src/contracts/contracts.service';
import { InvoicesRepository } from '../../src/invoicing/invoices.repository';
import { InvoicesService } from '../../src/invoicing/invoices.service';
import { vendorScope } from '../../src/auth/scope';
import { customerWithContract } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';

describe('the late-outcome check reads what changed since the earlier invoices last looked', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const record = (vendor: KeyedClient, contractId: string, externalId: string, at: string) =>
    vendor.post(`/v1/contracts/${contractId}/outcomes`, { externalId, type: 'query', quantity: '10', occurredAt: at }).expect(201);

  // The draft straight from the service (what a billing run does for each contract), finalized over HTTP.
  async function billAndFinalize(vendor: KeyedClient, vendorId: string, contractId: string, period: string): Promise<any> {
    const contract = await t.app.get(ContractsService).findInScope(vendorScope(vendorId), contractId);
    const draft = await t.app.get(InvoicesService).refreshDraft(vendorId, contract, period);
    return (await vendor.post(`/v1/invoices/${draft.invoiceId}/finalize`).expect(200)).body;
  }

  it('bills a late outcome of an earlier month once, finding it by the transaction that wrote it', async () => {
    const { vendorId, adminKey } = await t.createVendor('Late check');
    const vendor = t.as(adminKey);
    const { contractId } = await customerWithContract(vendor, { startsOn: '2026-01-01' });
    await record(vendor, contractId, 'jan-1', '2026-01-10T10:00:00+08:00');
    await record(vendor, contractId, 'feb-1', '2026-02-10T10:00:00+08:00');
    await billAndFinalize(vendor, vendorId, contractId, '2026-01');
    const feb = await billAndFinalize(vendor, vendorId, contractId, '2026-02');

    const rows: Array<{ period_label: string; claim_xmin: string | null }> = await t.db.query(
      `SELECT period_label, claim_xmin::text AS claim_xmin FROM invoices WHERE vendor_id = $1 ORDER BY period_start`,
      [vendorId],
    );
    expect(rows.map((r) => r.claim_xmin)).toEqual([expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/)]);
    const since = await t.app.get(InvoicesRepository).lateChangesSince(vendorScope(vendorId), contractId, '2026-03-01');
    expect(since).toBe(rows[1].claim_xmin);

    // Usage of January recorded in March: written after February's claims looked.
    await record(vendor, contractId, 'jan-late', '2026-01-20T10:00:00+08:00');
    const written: Array<{ external_id: string; after: boolean }> = await t.db.query(
      `SELECT external_id, changed_xact >= $2::xid8 AS after FROM outcomes WHERE vendor_id = $1 ORDER BY external_id`,
      [vendorId, since],
    );
    expect(written).toEqual([
      { external_id: 'feb-1', after: false },
      { external_id: 'jan-1', after: false },
      { external_id: 'jan-late', after: true },
    ]);

    const mar = await billAndFinalize(vendor, vendorId, contractId, '2026-03');
    const adjustments = mar.lines.filter((l: any) => l.kind === 'adjustment');
    expect(adjustments).toHaveLength(1);
    expect(adjustments[0]).toMatchObject({ amount: '2.00', adjustment: { kind: 'late_verified', period: { start: '2026-01-01', end: '2026-02-01' } } });
    const apr = await billAndFinalize(vendor, vendorId, contractId, '2026-04');
    expect(apr.lines.filter((l: any) => l.kind === 'adjustment')).toEqual([]);
    expect(feb.lines.filter((l: any) => l.kind === 'adjustment')).toEqual([]);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM invoice_outcomes WHERE vendor_id = $1`, [vendorId]);
    expect(n).toBe(3);
  });
});
