import { createTestApp, TestApp } from '../support/test-app';
import { MIXED_TERMS, outcomeWorld, OutcomeWorld, report } from './outcome-fixtures';

describe('verification, disputes and corrections', () => {
  let t: TestApp;
  let w: OutcomeWorld;
  let seq = 0;

  beforeAll(async () => {
    t = await createTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }, validateResponses: true }); // the test endpoint is on loopback
    w = await outcomeWorld(t);
  });
  afterAll(() => t.close());

  const record = async (world: OutcomeWorld = w, extra: Record<string, unknown> = {}) =>
    (await world.vendor.post(`/v1/contracts/${world.contractId}/outcomes`, report(`v-${seq++}`, extra)).expect(201)).body;
  const counts = () => t.counts(['outcomes', 'outcome_events']);

  it('lets the customer verify a recorded claim once, recording who and when', async () => {
    const o = await record();
    const res = await w.customer.post(`/v1/outcomes/${o.id}/verify`, {}).expect(200);
    expect(res.body.status).toBe('verified');
    expect(Date.parse(res.body.verifiedAt)).toBeGreaterThanOrEqual(Date.parse(o.createdAt));
    expect(res.body.events.map((e: any) => [e.fromStatus, e.toStatus, e.actorRole, e.actorKeyId])).toEqual([
      [null, 'recorded', 'vendor_admin', expect.any(String)],
      ['recorded', 'verified', 'customer', w.customerKeyId],
    ]);
    const before = await counts();
    const twice = await w.customer.post(`/v1/outcomes/${o.id}/verify`, {}).expect(409);
    expect(twice.body).toMatchObject({ code: 'OUTCOME_TRANSITION_INVALID', currentStatus: 'verified' });
    expect(await counts()).toEqual(before);
  });

  it('refuses the vendor’s key to verify or reject its own customer-verified claims', async () => {
    const o = await record();
    const before = await counts();
    const res = await w.vendor.post(`/v1/outcomes/${o.id}/verify`, {}).expect(403);
    expect(res.body.code).toBe('VERIFICATION_NOT_ALLOWED_FOR_ROLE');
    await w.vendor.post(`/v1/outcomes/${o.id}/reject`, { reason: 'self-rejection' }).expect(403);
    const bulk = await w.vendor.post('/v1/outcomes/verify', { ids: [o.id] }).expect(403);
    expect(bulk.body.code).toBe('VERIFICATION_NOT_ALLOWED_FOR_ROLE');
    expect(await counts()).toEqual(before);
    expect((await w.vendor.get(`/v1/outcomes/${o.id}`).expect(200)).body.status).toBe('recorded');
  });

  it('verifies third-party outcomes through the customer’s key while the named verifier is not registered', async () => {
    const res = await w.vendor
      .post(`/v1/contracts/${w.contractId}/outcomes`, { externalId: 'sav-qa', type: 'savings', value: '80000.00', occurredAt: '2026-03-31T12:00:00+08:00' })
      .expect(201);
    expect(res.body.status).toBe('recorded');
    await w.vendor.post(`/v1/outcomes/${res.body.id}/verify`, {}).expect(403);
    await w.customer.post(`/v1/outcomes/${res.body.id}/verify`, {}).expect(200);
  });

  it('answers another customer’s or another vendor’s outcome as not found, and auditors may not verify', async () => {
    const o = await record();
    const other = await outcomeWorld(t);
    await other.customer.post(`/v1/outcomes/${o.id}/verify`, {}).expect(404);
    const c2 = await w.vendor.post('/v1/customers', { name: 'Other clinic' }).expect(201);
    const k2 = await w.vendor.post('/v1/api-keys', { name: 'k2', role: 'customer', customerId: c2.body.id }).expect(201);
    const notTheirs = await t.as(k2.body.secret).post(`/v1/outcomes/${o.id}/verify`, {}).expect(404);
    expect(notTheirs.body.code).toBe('OUTCOME_NOT_FOUND');
    const auditor = await w.vendor.post('/v1/api-keys', { name: 'aud', role: 'auditor' }).expect(201);
    await t.as(auditor.body.secret).post(`/v1/outcomes/${o.id}/verify`, {}).expect(403);
    expect((await w.vendor.get(`/v1/outcomes/${o.id}`).expect(200)).body.status).toBe('recorded');
  });

  it('rejects with a reason, kept on the event', async () => {
    const o = await record();
    await w.customer.post(`/v1/outcomes/${o.id}/reject`, {}).expect(422);
    const res = await w.customer.post(`/v1/outcomes/${o.id}/reject`, { reason: 'Finding not confirmed' }).expect(200);
    expect(res.body.status).toBe('rejected');
    expect(res.body.events.at(-1)).toMatchObject({ fromStatus: 'recorded', toStatus: 'rejected', reason: 'Finding not confirmed' });
    await w.customer.post(`/v1/outcomes/${o.id}/verify`, {}).expect(409);
  });

  it('decides in bulk what it can and reports every other id with its reason', async () => {
    const a = await record();
    const b = await record();
    const done = await record();
    await w.customer.post(`/v1/outcomes/${done.id}/verify`, {}).expect(200);
    const foreign = await record(await outcomeWorld(t));
    const missing = '01a20000-0000-7000-8000-000000000000';
    const res = await w.customer.post('/v1/outcomes/verify', { ids: [a.id, b.id, a.id, done.id, foreign.id, missing] }).expect(200);
    expect(res.body.verified).toBe(2);
    expect(res.body.failed).toEqual(
      expect.arrayContaining([
        { id: done.id, code: 'OUTCOME_TRANSITION_INVALID' },
        { id: foreign.id, code: 'OUTCOME_NOT_FOUND' },
        { id: missing, code: 'OUTCOME_NOT_FOUND' },
      ]),
    );
    expect(res.body.failed).toHaveLength(3);
    const events = await t.db.query(`SELECT count(*)::int AS n FROM outcome_events WHERE outcome_id = $1 AND to_status = 'verified'`, [a.id]);
    expect(events[0].n).toBe(1);
    const bulkReject = await w.customer.post('/v1/outcomes/reject', { ids: [b.id] }).expect(422);
    expect(bulkReject.body.errors.map((e: any) => e.field)).toContain('reason');
  });

  it('lets the customer dispute a verified outcome within the window, and the vendor uphold it once', async () => {
    const o = await record();
    await w.customer.post(`/v1/outcomes/${o.id}/dispute`, { reason: 'not ours' }).expect(409); // not verified yet
    const verified = await w.customer.post(`/v1/outcomes/${o.id}/verify`, {}).expect(200);
    await w.customer.post(`/v1/outcomes/${o.id}/dispute`, {}).expect(422); // reason required
    await w.vendor.post(`/v1/outcomes/${o.id}/dispute`, { reason: 'x' }).expect(403);
    const disputed = await w.customer.post(`/v1/outcomes/${o.id}/dispute`, { reason: 'Duplicate of study CT-2231' }).expect(200);
    expect(disputed.body.status).toBe('disputed');
    await w.customer.post(`/v1/outcomes/${o.id}/uphold`, {}).expect(403); // the vendor resolves
    const upheld = await w.vendor.post(`/v1/outcomes/${o.id}/uphold`, { reason: 'Different series' }).expect(200);
    expect(upheld.body.status).toBe('verified');
    expect(Date.parse(upheld.body.verifiedAt)).toBeGreaterThanOrEqual(Date.parse(verified.body.verifiedAt));
    expect(upheld.body.events.map((e: any) => e.toStatus)).toEqual(['recorded', 'verified', 'disputed', 'verified']);
    const again = await w.customer.post(`/v1/outcomes/${o.id}/dispute`, { reason: 'still not ours' }).expect(409);
    expect(again.body.code).toBe('OUTCOME_ALREADY_DISPUTED');
  });

  it('tells the vendor of a dispute through an outcome.disputed webhook, committed with the dispute', async () => {
    const endpoint = await w.vendor
      .post('/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hooks', eventTypes: ['outcome.disputed'] })
      .expect(201);
    const o = await record();
    await w.customer.post(`/v1/outcomes/${o.id}/verify`, {}).expect(200);
    await w.customer.post(`/v1/outcomes/${o.id}/dispute`, { reason: 'Wrong patient' }).expect(200);
    const events = await w.vendor.get('/v1/webhook-events?type=outcome.disputed').expect(200);
    const event = events.body.data.find((e: any) => e.data?.outcome?.id === o.id || e.payload?.outcome?.id === o.id);
    expect(event).toBeDefined();
    expect(JSON.stringify(event)).toContain('Wrong patient');
    expect(JSON.stringify(event)).toContain(endpoint.body.id);
  });

  it('lets the vendor reverse a disputed outcome, after which nothing moves it', async () => {
    const o = await record();
    await w.customer.post(`/v1/outcomes/${o.id}/verify`, {}).expect(200);
    await w.vendor.post(`/v1/outcomes/${o.id}/reverse`, {}).expect(409); // only a disputed outcome is reversed this way
    await w.customer.post(`/v1/outcomes/${o.id}/dispute`, { reason: 'wrong patient' }).expect(200);
    const reversed = await w.vendor.post(`/v1/outcomes/${o.id}/reverse`, { reason: 'Agreed' }).expect(200);
    expect(reversed.body.status).toBe('reversed');
    await w.vendor.post(`/v1/outcomes/${o.id}/uphold`, {}).expect(409);
    await w.customer.post(`/v1/outcomes/${o.id}/verify`, {}).expect(409);
  });

  it('refuses a dispute once the contract’s dispute window has closed', async () => {
    const strict = await outcomeWorld(t, { ...MIXED_TERMS, disputeWindowDays: 0 });
    const o = await record(strict);
    await strict.customer.post(`/v1/outcomes/${o.id}/verify`, {}).expect(200);
    const before = await counts();
    const res = await strict.customer.post(`/v1/outcomes/${o.id}/dispute`, { reason: 'too late' }).expect(409);
    expect(res.body).toMatchObject({ code: 'DISPUTE_WINDOW_CLOSED' });
    expect(res.body.detail).toMatch(/0 days/);
    expect(await counts()).toEqual(before);
  });

  it('corrects an outcome with a new one that names it, reversing the original in the same transaction', async () => {
    const o = await w.vendor
      .post(`/v1/contracts/${w.contractId}/outcomes`, { externalId: 'sav-L1', type: 'savings', value: '400000.00', occurredAt: '2026-03-31T12:00:00+08:00', dimensions: { line: 'L1' } })
      .expect(201);
    await w.customer.post(`/v1/outcomes/${o.body.id}/verify`, {}).expect(200);
    const fix = { externalId: 'sav-L1-fix', value: '380000.00', reason: 'scrap rate was re-measured' };
    const res = await w.vendor.post(`/v1/outcomes/${o.body.id}/corrections`, fix).expect(201);
    expect(res.body).toMatchObject({
      externalId: 'sav-L1-fix', type: 'savings', value: '380000', dimensions: { line: 'L1' }, status: 'recorded',
      correctsOutcomeId: o.body.id, occurredAt: '2026-03-31T04:00:00.000Z',
    });
    const original = await w.vendor.get(`/v1/outcomes/${o.body.id}`).expect(200);
    expect(original.body).toMatchObject({ status: 'reversed', value: '400000' });
    expect(original.body.events.at(-1)).toMatchObject({
      fromStatus: 'verified', toStatus: 'reversed', reason: `corrected by ${res.body.id}: scrap rate was re-measured`,
    });
    // A retried correction answers the stored one; another correction of the same original is refused.
    const before = await counts();
    const replay = await w.vendor.post(`/v1/outcomes/${o.body.id}/corrections`, fix).expect(200);
    expect(replay.body.id).toBe(res.body.id);
    const second = await w.vendor.post(`/v1/outcomes/${o.body.id}/corrections`, { ...fix, externalId: 'sav-L1-fix2' }).expect(409);
    expect(second.body.code).toBe('OUTCOME_TRANSITION_INVALID');
    await w.customer.post(`/v1/outcomes/${o.body.id}/corrections`, { ...fix, externalId: 'by-customer' }).expect(403);
    expect(await counts()).toEqual(before);
    // The correction follows its own verification.
    await w.customer.post(`/v1/outcomes/${res.body.id}/verify`, {}).expect(200);
  });

  it('has the database refuse any change to events and to an outcome’s content, and any deletion', async () => {
    const o = await record();
    await expect(t.db.query(`UPDATE outcome_events SET reason = 'x' WHERE outcome_id = $1`, [o.id])).rejects.toThrow(/append-only/);
    await expect(t.db.query(`DELETE FROM outcome_events WHERE outcome_id = $1`, [o.id])).rejects.toThrow(/append-only/);
    await expect(t.db.query(`UPDATE outcomes SET quantity = 2 WHERE id = $1`, [o.id])).rejects.toThrow(/immutable/);
    await expect(t.db.query(`DELETE FROM outcomes WHERE id = $1`, [o.id])).rejects.toThrow(/append-only/);
    await expect(t.db.query(`UPDATE outcomes SET quantity = -1 WHERE id = $1`, [o.id])).rejects.toThrow();
  });
});
