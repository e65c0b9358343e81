import type request from 'supertest';
import { createTestApp, TestApp } from '../support/test-app';
import { MIXED_TERMS, outcomeWorld, OutcomeWorld, report } from './outcome-fixtures';

interface Case {
  name: string;
  send: () => request.Test;
  status: number;
  code: string;
  field?: string;
}

/** Every bad request answers 4xx problem+json naming what is wrong, and writes nothing. */
describe('bad input to outcomes', () => {
  let t: TestApp;
  let w: OutcomeWorld;
  let verifiedId: string;
  let lateId: string;
  let lateCustomer: OutcomeWorld['customer'];
  const cases: Case[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    w = await outcomeWorld(t);
    const o = await w.vendor.post(`/v1/contracts/${w.contractId}/outcomes`, report('already-verified')).expect(201);
    await w.customer.post(`/v1/outcomes/${o.body.id}/verify`, {}).expect(200);
    verifiedId = o.body.id;
    const strict = await outcomeWorld(t, { ...MIXED_TERMS, disputeWindowDays: 0 });
    const late = await strict.vendor.post(`/v1/contracts/${strict.contractId}/outcomes`, report('late')).expect(201);
    await strict.customer.post(`/v1/outcomes/${late.body.id}/verify`, {}).expect(200);
    lateId = late.body.id;
    lateCustomer = strict.customer;
  });
  afterAll(() => t.close());

  const one = (body: unknown) => w.vendor.post(`/v1/contracts/${w.contractId}/outcomes`, body);
  const add = (name: string, send: () => request.Test, status: number, code: string, field?: string) =>
    cases.push({ name, send, status, code, field });

  // One outcome.
  add('an outcome type the terms do not know', () => one(report('x', { type: 'hallucination' })), 422, 'OUTCOME_TYPE_UNKNOWN', 'type');
  add('a value in another currency than the contract’s', () => one({ ...report('x'), value: '15.00', currency: 'USD' }), 422, 'CURRENCY_MISMATCH', 'currency');
  add('a currency that is not ISO 4217', () => one({ ...report('x'), currency: 'YUAN' }), 422, 'VALIDATION_FAILED', 'currency');
  add('a negative quantity', () => one(report('x', { quantity: '-1' })), 422, 'VALIDATION_FAILED', 'quantity');
  add('NaN as quantity', () => one(report('x', { quantity: 'NaN' })), 422, 'VALIDATION_FAILED', 'quantity');
  add('1e400 as a string', () => one(report('x', { quantity: '1e400' })), 422, 'VALIDATION_FAILED', 'quantity');
  add('a JSON number instead of a decimal string', () => one(report('x', { quantity: 1 })), 422, 'VALIDATION_FAILED', 'quantity');
  add('Infinity as value', () => one(report('x', { value: 'Infinity' })), 422, 'VALIDATION_FAILED', 'value');
  add('a value with 13 decimals', () => one(report('x', { value: '0.0000000000001' })), 422, 'VALIDATION_FAILED', 'value');
  add('a value with 21 integer digits', () => one(report('x', { value: '123456789012345678901' })), 422, 'VALIDATION_FAILED', 'value');
  add('occurredAt before the contract starts (local date)', () => one(report('x', { occurredAt: '2026-02-28T23:59:00+08:00' })), 422, 'OCCURRED_OUTSIDE_CONTRACT', 'occurredAt');
  add('occurredAt after the contract ends (local date)', () => one(report('x', { occurredAt: '2026-12-31T16:00:00Z' })), 422, 'OCCURRED_OUTSIDE_CONTRACT', 'occurredAt');
  add('occurredAt without an offset', () => one(report('x', { occurredAt: '2026-03-02T09:00:00' })), 422, 'VALIDATION_FAILED', 'occurredAt');
  add('occurredAt on 30 February', () => one(report('x', { occurredAt: '2026-02-30T09:00:00Z' })), 422, 'VALIDATION_FAILED', 'occurredAt');
  add('no externalId', () => one({ type: 'report', quantity: '1', occurredAt: '2026-03-02T09:00:00Z' }), 422, 'VALIDATION_FAILED', 'externalId');
  add('an externalId of 201 characters', () => one(report('x'.repeat(201))), 422, 'VALIDATION_FAILED', 'externalId');
  add('a control character in externalId', () => one(report('rep\u0000-1')), 422, 'VALIDATION_FAILED', 'externalId');
  add('neither quantity nor value for a KPI measurement', () => one({ externalId: 'x', type: 'uptime_pct', occurredAt: '2026-03-02T09:00:00Z' }), 422, 'OUTCOME_AMOUNT_MISSING', 'quantity');
  add('savings without a value', () => one({ externalId: 'x', type: 'savings', quantity: '3', occurredAt: '2026-03-02T09:00:00Z' }), 422, 'OUTCOME_AMOUNT_MISSING', 'value');
  add('metered usage without a quantity', () => one({ externalId: 'x', type: 'query', value: '3', occurredAt: '2026-03-02T09:00:00Z' }), 422, 'OUTCOME_AMOUNT_MISSING', 'quantity');
  add('evidence whose hash does not match', () => one(report('x', { evidence: { study: 'CT-1' }, evidenceSha256: '0'.repeat(64) })), 422, 'EVIDENCE_HASH_MISMATCH', 'evidenceSha256');
  add('an evidence URI without its digest', () => one(report('x', { evidenceUri: 's3://b/k' })), 422, 'EVIDENCE_INVALID', 'evidenceSha256');
  add('both inline evidence and a URI', () => one(report('x', { evidence: { a: 1 }, evidenceUri: 's3://b/k', evidenceSha256: 'a'.repeat(64) })), 422, 'EVIDENCE_INVALID', 'evidenceUri');
  add('a digest in upper case', () => one(report('x', { evidenceUri: 's3://b/k', evidenceSha256: 'A'.repeat(64) })), 422, 'VALIDATION_FAILED', 'evidenceSha256');
  add('evidence that is a string', () => one(report('x', { evidence: 'see PACS' })), 422, 'VALIDATION_FAILED', 'evidence');
  add('nested dimensions', () => one(report('x', { dimensions: { site: { line: 'L1' } } })), 422, 'VALIDATION_FAILED', 'dimensions');
  add('a dimension that is a number', () => one(report('x', { dimensions: { line: 2 } })), 422, 'VALIDATION_FAILED', 'dimensions');
  add('an unknown field', () => one(report('x', { colour: 'red' })), 422, 'VALIDATION_FAILED', 'colour');
  add('a contract id that is not a uuid', () => w.vendor.post('/v1/contracts/not-a-uuid/outcomes', report('x')), 400, 'VALIDATION_FAILED');
  add('a contract that does not exist', () => w.vendor.post('/v1/contracts/01a20000-0000-7000-8000-000000000000/outcomes', report('x')), 404, 'CONTRACT_NOT_FOUND');

  // Batches.
  const item = (i: number) => ({ ...report(`batch-${i}`), contractId: w.contractId });
  add('a batch of 1,001', () => w.vendor.post('/v1/outcomes/batch', { outcomes: Array.from({ length: 1001 }, (_, i) => item(i)) }), 422, 'BATCH_TOO_LARGE', 'outcomes');
  add('an empty batch', () => w.vendor.post('/v1/outcomes/batch', { outcomes: [] }), 422, 'BATCH_ITEM_INVALID', 'outcomes');
  add('a batch that is not an array', () => w.vendor.post('/v1/outcomes/batch', { outcomes: item(0) }), 422, 'VALIDATION_FAILED', 'outcomes');
  add('a batch with an unknown top-level field', () => w.vendor.post('/v1/outcomes/batch', { outcomes: [item(0)], dryRun: true }), 422, 'VALIDATION_FAILED', 'dryRun');

  // Decisions.
  add('verify by a vendor key', () => w.vendor.post(`/v1/outcomes/${verifiedId}/verify`, {}), 403, 'VERIFICATION_NOT_ALLOWED_FOR_ROLE');
  add('verify twice', () => w.customer.post(`/v1/outcomes/${verifiedId}/verify`, {}), 409, 'OUTCOME_TRANSITION_INVALID');
  add('reject without a reason', () => w.customer.post(`/v1/outcomes/${verifiedId}/reject`, {}), 422, 'VALIDATION_FAILED', 'reason');
  add('dispute after the window', () => lateCustomer.post(`/v1/outcomes/${lateId}/dispute`, { reason: 'late' }), 409, 'DISPUTE_WINDOW_CLOSED');
  add('dispute without a reason', () => w.customer.post(`/v1/outcomes/${verifiedId}/dispute`, { reason: '   ' }), 422, 'VALIDATION_FAILED', 'reason');
  add('uphold an outcome that is not disputed', () => w.vendor.post(`/v1/outcomes/${verifiedId}/uphold`, {}), 409, 'OUTCOME_TRANSITION_INVALID');
  add('bulk verify of 10,001 ids', () => w.customer.post('/v1/outcomes/verify', { ids: Array.from({ length: 10_001 }, () => verifiedId) }), 422, 'VALIDATION_FAILED', 'ids');
  add('bulk verify of something that is not an id', () => w.customer.post('/v1/outcomes/verify', { ids: ['rep-1'] }), 422, 'VALIDATION_FAILED', 'ids');
  add('a correction of an unknown outcome', () => w.vendor.post('/v1/outcomes/01a20000-0000-7000-8000-000000000000/corrections', { externalId: 'c', value: '1' }), 404, 'OUTCOME_NOT_FOUND');

  // Reads.
  add('a list filter on an unknown status', () => w.vendor.get('/v1/outcomes?status=approved'), 422, 'VALIDATION_FAILED', 'status');
  add('stats for month 13', () => w.vendor.get(`/v1/contracts/${w.contractId}/outcome-stats?period=2026-13`), 422, 'VALIDATION_FAILED', 'period');
  add('a forged cursor', () => w.vendor.get('/v1/outcomes?cursor=bm90LWEtdXVpZA'), 400, 'INVALID_CURSOR');

  it('has at least 30 cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  it.each(cases)('refuses $name with $status $code, naming the field, and writes nothing', async (c) => {
    const before = await t.counts(['outcomes', 'outcome_events', 'idempotency_keys']);
    const res = await c.send();
    expect({ name: c.name, status: res.status, code: res.body.code }).toEqual({ name: c.name, status: c.status, code: c.code });
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    if (c.field) expect(res.body.errors.map((e: any) => e.field)).toContain(c.field);
    expect(await t.counts(['outcomes', 'outcome_events', 'idempotency_keys'])).toEqual(before);
  });

  it('refuses 1e400 and NaN sent as raw JSON numbers', async () => {
    for (const body of [
      `{"externalId":"n1","type":"report","quantity":1e400,"occurredAt":"2026-03-02T09:00:00Z"}`,
      `{"externalId":"n2","type":"report","quantity":NaN,"occurredAt":"2026-03-02T09:00:00Z"}`,
    ]) {
      const res = await w.vendor.post(`/v1/contracts/${w.contractId}/outcomes`).set('Content-Type', 'application/json').send(body);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    expect((await t.db.query(`SELECT count(*)::int AS n FROM outcomes WHERE external_id IN ('n1', 'n2')`))[0].n).toBe(0);
  });

  it('writes nothing of a batch item in another currency, and still records its neighbours', async () => {
    const res = await w.vendor
      .post('/v1/outcomes/batch', { outcomes: [{ ...item(5000), value: '1', currency: 'EUR' }, item(5001)] })
      .expect(200);
    expect(res.body.results.map((r: any) => [r.status, r.error?.code, r.error?.field])).toEqual([
      ['error', 'CURRENCY_MISMATCH', 'outcomes[0].currency'],
      ['created', undefined, undefined],
    ]);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM outcomes WHERE external_id = 'batch-5000'`))[0].n).toBe(0);
  });
});
