jest.setTimeout(300_000);

import { customerWithContract } from '../support/fixtures';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

/**
 * The races of test/invoicing/concurrency.e2e-spec.ts again, each caller with its own
 * Idempotency-Key (so each effect runs inside its key's transaction), some without: still one
 * effect where one is due, and each key replays its own answer.
 */
describe('idempotent requests under concurrency', () => {
  let t: TestApp;
  let vendor: KeyedClient;

  beforeAll(async () => {
    t = await createTestApp();
    vendor = t.as((await t.createVendor('Racing keys')).adminKey);
  });
  afterAll(() => t.close());

  const keyed = (k: number, prefix: string) => (k % 4 === 3 ? undefined : { 'Idempotency-Key': `${prefix}-${k}` });

  async function billedContract(queries: string): Promise<{ contractId: string; draftId: string }> {
    const { contractId } = await customerWithContract(vendor, { currency: 'USD', timezone: 'UTC', taxRate: '0' });
    await vendor.post(`/v1/contracts/${contractId}/outcomes`, { externalId: 'q', type: 'query', quantity: queries, occurredAt: '2026-03-15T10:00:00Z' }).expect(201);
    await runBilling(vendor, { period: '2026-03', contractIds: [contractId] });
    const list = await vendor.get(`/v1/invoices?contractId=${contractId}`).expect(200);
    return { contractId, draftId: list.body.data[0].id };
  }

  it('finalizes once when 20 keyed callers race: one number, one journal entry, and each key replays the same invoice', async () => {
    const { draftId } = await billedContract('1000');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, k) => vendor.post(`/v1/invoices/${draftId}/finalize`, undefined, keyed(k, 'fin'))));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((a) => a.body.number)).size).toBe(1);
    const [{ entries }] = await t.db.query(`SELECT count(*)::int AS entries FROM journal_entries WHERE reference_id = $1`, [draftId]);
    expect(entries).toBe(1);
    const replay = await vendor.post(`/v1/invoices/${draftId}/finalize`, undefined, { 'Idempotency-Key': 'fin-0' }).expect(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.number).toBe(answers[0].body.number);
  });

  it('takes 20 racing keyed payments that exactly settle the invoice, refuses the 21st, and replays all 20 without a second payment', async () => {
    const { draftId } = await billedContract('1000'); // 200.00
    await vendor.post(`/v1/invoices/${draftId}/finalize`).expect(200);
    const pay = (k: number) => vendor.post(`/v1/invoices/${draftId}/payments`, { amount: '10.00', paidOn: '2026-04-02' }, { 'Idempotency-Key': `pay-${k}` });
    const first = await Promise.all(Array.from({ length: 20 }, (_, k) => pay(k)));
    expect(first.map((a) => a.status)).toEqual(Array(20).fill(201));
    const over = await vendor.post(`/v1/invoices/${draftId}/payments`, { amount: '0.01', paidOn: '2026-04-02' }, { 'Idempotency-Key': 'pay-over' }).expect(422);
    expect(over.body.code).toBe('PAYMENT_EXCEEDS_AMOUNT_DUE');
    const again = await Promise.all(Array.from({ length: 20 }, (_, k) => pay(k)));
    expect(again.map((a) => [a.status, a.headers['idempotent-replayed']])).toEqual(Array(20).fill([201, 'true']));
    expect(again.map((a) => a.body.id)).toEqual(first.map((a) => a.body.id));
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM payments WHERE invoice_id = $1`, [draftId]);
    expect(n).toBe(20);
    expect((await vendor.get(`/v1/invoices/${draftId}`).expect(200)).body).toMatchObject({ status: 'paid', amountDue: '0.00' });
  });

  it('keeps one invoice per contract and period when 5 keyed billing runs race', async () => {
    const other = t.as((await t.createVendor('Racing keyed runs')).adminKey);
    const contracts: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { contractId } = await customerWithContract(other);
      await other.post(`/v1/contracts/${contractId}/outcomes`, { externalId: 'q', type: 'query', quantity: String(100 + i), occurredAt: '2026-03-15T10:00:00+08:00' }).expect(201);
      contracts.push(contractId);
    }
    const runs = await Promise.all(Array.from({ length: 5 }, (_, k) => runBilling(other, { period: '2026-03' }, keyed(k, 'run'))));
    for (const r of runs) expect(r.body).toMatchObject({ status: 'completed', contracts: 6, failed: 0 });
    const rows: Array<{ n: number }> = await t.db.query(
      `SELECT count(*)::int AS n FROM invoices WHERE contract_id = ANY($1::uuid[]) GROUP BY contract_id`,
      [contracts],
    );
    expect(rows.map((r) => r.n)).toEqual(Array(6).fill(1));
  });
});
