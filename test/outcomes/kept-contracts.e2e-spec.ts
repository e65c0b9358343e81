// Recording keeps the contracts it read (src/outcomes/kept-contracts.ts) so that the next outcome of
// a contract is one statement; the insert is guarded by the contract's stamp. These show that a kept
// copy never decides alone: a change made behind this process's back (plain SQL, as another process
// or the CLI would) takes effect at the very next outcome, in both directions.
import { createTestApp, TestApp } from '../support/test-app';
import { MIXED_TERMS, outcomeWorld, OutcomeWorld, report } from './outcome-fixtures';

describe('recording against kept copies of contracts', () => {
  let t: TestApp;
  let w: OutcomeWorld;

  beforeAll(async () => {
    t = await createTestApp();
    w = await outcomeWorld(t);
  });
  afterAll(() => t.close());

  const outcomesOf = async (contractId: string) =>
    (await t.db.query(`SELECT count(*)::int AS n FROM outcomes WHERE contract_id = $1`, [contractId]))[0].n as number;

  it('refuses an outcome after a termination made elsewhere, though the kept copy still has the old end date', async () => {
    await w.vendor.post(`/v1/contracts/${w.contractId}/outcomes`, report('kept-1')).expect(201); // the contract is now kept
    await w.vendor.post(`/v1/contracts/${w.contractId}/outcomes`, report('kept-2', { occurredAt: '2026-03-20T09:00:00+08:00' })).expect(201);
    // Another process terminates the contract as of 2026-03-15 (this one is not told).
    await t.db.query(`UPDATE contracts SET status = 'terminated', ends_on = '2026-03-15' WHERE id = $1`, [w.contractId]);
    const before = await outcomesOf(w.contractId);
    const res = await w.vendor
      .post(`/v1/contracts/${w.contractId}/outcomes`, report('kept-3', { occurredAt: '2026-03-20T09:00:00+08:00' }))
      .expect(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'OCCURRED_OUTSIDE_CONTRACT', errors: [{ field: 'occurredAt' }] });
    expect(await outcomesOf(w.contractId)).toBe(before);
    // Still inside its dates: recorded, against the contract as it is now.
    await w.vendor.post(`/v1/contracts/${w.contractId}/outcomes`, report('kept-4', { occurredAt: '2026-03-10T09:00:00+08:00' })).expect(201);
    const replay = await w.vendor.post(`/v1/contracts/${w.contractId}/outcomes`, report('kept-4', { occurredAt: '2026-03-10T09:00:00+08:00' })).expect(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });

  it('accepts a type that a new terms version brought, though the kept copy does not know it', async () => {
    const contract = await w.vendor
      .post('/v1/contracts', {
        customerId: w.customerId, name: 'Amended', currency: 'CNY', timezone: 'Asia/Shanghai', taxRate: '0.06', startsOn: '2026-03-01',
        status: 'active', terms: MIXED_TERMS,
      })
      .expect(201);
    const id = contract.body.id as string;
    await w.vendor.post(`/v1/contracts/${id}/outcomes`, { externalId: 'pg-0', type: 'query', quantity: '1', occurredAt: '2026-04-05T09:00:00+08:00' }).expect(201);
    const page = { externalId: 'pg-1', type: 'page', quantity: '3', occurredAt: '2026-04-05T09:00:00+08:00' };
    await w.vendor.post(`/v1/contracts/${id}/outcomes`, page).expect(422); // not a type of the terms yet
    const amended = { components: [...MIXED_TERMS.components, { type: 'usage', metric: 'page', unitPrice: '0.05', verification: 'auto' }], outcomeTypes: MIXED_TERMS.outcomeTypes };
    await w.vendor.post(`/v1/contracts/${id}/terms`, { effectiveFrom: '2026-04-01', terms: amended }).expect(201);
    const res = await w.vendor.post(`/v1/contracts/${id}/outcomes`, page).expect(201);
    expect(res.body).toMatchObject({ type: 'page', quantity: '3', status: 'verified' });
    // The amendment's effective date holds: the same type before it is still refused.
    const early = await w.vendor.post(`/v1/contracts/${id}/outcomes`, { ...page, externalId: 'pg-2', occurredAt: '2026-03-20T09:00:00+08:00' }).expect(422);
    expect(early.body.code).toBe('OUTCOME_TYPE_UNKNOWN');
  });

  it('answers 404 for another vendor’s contract, even one this process keeps', async () => {
    const other = await outcomeWorld(t);
    await other.vendor.post(`/v1/contracts/${other.contractId}/outcomes`, report('theirs-1')).expect(201); // kept, for the other vendor
    const before = await outcomesOf(other.contractId);
    const res = await w.vendor.post(`/v1/contracts/${other.contractId}/outcomes`, report('mine-1')).expect(404);
    expect(res.body.code).toBe('CONTRACT_NOT_FOUND');
    expect(await outcomesOf(other.contractId)).toBe(before);
  });
});
