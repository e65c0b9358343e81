jest.setTimeout(300_000);

import { InvoicesService } from '../../src/invoicing/invoices.service';
import { customerWithContract, GUARANTEE_WITHOUT_KPI_TERMS } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

/** A per-query contract with `queries` metered (auto-verified) queries in March 2026. */
async function meteredContract(vendor: KeyedClient, queries: string): Promise<string> {
  const { contractId } = await customerWithContract(vendor);
  await vendor
    .post(`/v1/contracts/${contractId}/outcomes`, { externalId: 'q-03', type: 'query', quantity: queries, occurredAt: '2026-03-15T10:00:00+08:00' })
    .expect(201);
  return contractId;
}

async function draftOf(vendor: KeyedClient, contractId: string, period = '2026-03'): Promise<any> {
  const list = await vendor.get(`/v1/invoices?contractId=${contractId}&period=${period}`).expect(200);
  expect(list.body.data).toHaveLength(1);
  return list.body.data[0];
}

describe('invoicing under concurrency', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('finalizes a draft once when 20 callers finalize it at the same time: one number, one journal entry', async () => {
    const vendor = t.as((await t.createVendor('Racing finalizers')).adminKey);
    const contractId = await meteredContract(vendor, '1000');
    await runBilling(vendor, { period: '2026-03', contractIds: [contractId] });
    const draft = await draftOf(vendor, contractId);

    const answers = await Promise.all(Array.from({ length: 20 }, () => vendor.post(`/v1/invoices/${draft.id}/finalize`)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const numbers = new Set(answers.map((a) => a.body.number));
    expect([...numbers]).toEqual([expect.stringMatching(/^INV-\d{4}-000001$/)]);
    expect(new Set(answers.map((a) => a.body.traceDigest)).size).toBe(1);

    const [{ entries }] = await t.db.query(`SELECT count(*)::int AS entries FROM journal_entries WHERE reference_id = $1`, [draft.id]);
    expect(entries).toBe(1);
    const [{ events }] = await t.db.query(`SELECT count(*)::int AS events FROM webhook_events WHERE type = 'invoice.finalized' AND payload->>'id' = $1`, [
      draft.id,
    ]);
    expect(events).toBe(1);
    const [{ last_value }] = await t.db.query(
      `SELECT c.last_value::int FROM document_number_counters c JOIN invoices i ON i.vendor_id = c.vendor_id WHERE i.id = $1`,
      [draft.id],
    );
    expect(last_value).toBe(1);
  });

  it('keeps one invoice per contract and period when 5 billing runs race', async () => {
    const vendor = t.as((await t.createVendor('Racing runs')).adminKey);
    const contracts: string[] = [];
    for (let i = 0; i < 8; i++) contracts.push(await meteredContract(vendor, String(100 + i)));
    const runs = await Promise.all(Array.from({ length: 5 }, () => runBilling(vendor, { period: '2026-03' })));
    for (const r of runs) expect(r.body).toMatchObject({ status: 'completed', contracts: 8, failed: 0 });
    const rows: Array<{ contract_id: string; n: number }> = await t.db.query(
      `SELECT contract_id, count(*)::int AS n FROM invoices WHERE contract_id = ANY($1::uuid[]) GROUP BY contract_id`,
      [contracts],
    );
    expect(rows).toHaveLength(8);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const run = await vendor.get(`/v1/billing-runs/${runs[0].body.id}`).expect(200);
    expect(run.body.id).toBe(runs[0].body.id);
  });

  it('keeps numbers gapless while different invoices finalize concurrently, even when some are refused and roll back', async () => {
    const vendor = t.as((await t.createVendor('Gapless')).adminKey);
    const good: string[] = [];
    for (let i = 0; i < 10; i++) good.push(await meteredContract(vendor, String(1000 + i)));
    // Guaranteed contracts without a KPI measurement: the engine refuses them at finalization.
    const refused: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { contractId } = await customerWithContract(vendor, {
        terms: GUARANTEE_WITHOUT_KPI_TERMS,
      });
      refused.push(contractId);
    }
    await runBilling(vendor, { period: '2026-03' });
    const drafts = await Promise.all([...good, ...refused].map((c) => draftOf(vendor, c)));
    const answers = await Promise.all(drafts.map((d) => vendor.post(`/v1/invoices/${d.id}/finalize`)));
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.code)).toEqual(Array(3).fill('INVOICE_PRICING_REFUSED'));
    const numbers = answers.filter((a) => a.status === 200).map((a) => a.body.number).sort();
    expect(numbers).toHaveLength(10);
    const year = numbers[0].slice(4, 8);
    expect(numbers).toEqual(numbers.map((_, k) => `INV-${year}-${String(k + 1).padStart(6, '0')}`));
  });

  it('does not burn a number when the transaction that took it rolls back', async () => {
    const created = await t.createVendor('Rollback');
    const vendor = t.as(created.adminKey);
    const contractId = await meteredContract(vendor, '5');
    await runBilling(vendor, { period: '2026-03', contractIds: [contractId] });
    const draft = await draftOf(vendor, contractId);
    const invoices = t.app.get(InvoicesService);
    await expect(
      t.db.transaction(async (em) => {
        await invoices.nextNumber(em, created.vendorId, 'invoice', 2026);
        throw new Error('failed after numbering');
      }),
    ).rejects.toThrow('failed after numbering');
    const res = await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200);
    expect(res.body.number).toMatch(/^INV-\d{4}-000001$/);
  });
});
