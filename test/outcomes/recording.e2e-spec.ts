import { createHash } from 'node:crypto';
import { canonicalJson } from '../../src/kernel/canonical-json';
import { createTestApp, TestApp } from '../support/test-app';
import { anotherContract, outcomeWorld, OutcomeWorld, report } from './outcome-fixtures';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('recording outcomes', () => {
  let t: TestApp;
  let w: OutcomeWorld;

  beforeAll(async () => {
    t = await createTestApp({ validateResponses: true }); // every answer held to /openapi.json
    w = await outcomeWorld(t);
  });
  afterAll(() => t.close());

  const counts = () => t.counts(['outcomes', 'outcome_events']);

  it('records a customer-verified outcome as recorded, with its first event, money and quantities as strings', async () => {
    const res = await w.vendor.post(`/v1/contracts/${w.contractId}/outcomes`, report('rep-single', { quantity: '1.000' })).expect(201);
    expect(res.body).toMatchObject({
      contractId: w.contractId, externalId: 'rep-single', type: 'report', quantity: '1', value: null, status: 'recorded',
      occurredAt: '2026-03-02T01:00:00.000Z', dimensions: { hospital: 'H1' }, verifiedAt: null,
    });
    const detail = await w.vendor.get(`/v1/outcomes/${res.body.id}`).expect(200);
    expect(detail.body.events).toEqual([
      expect.objectContaining({ fromStatus: null, toStatus: 'recorded', actorRole: 'vendor_admin', reason: null }),
    ]);
  });

  it('verifies metered usage on recording: recorded then verified by the system', async () => {
    const res = await w.vendor
      .post(`/v1/contracts/${w.contractId}/outcomes`, { externalId: 'q-1', type: 'query', quantity: '39825', occurredAt: '2026-03-01T23:59:00+08:00' })
      .expect(201);
    expect(res.body.status).toBe('verified');
    expect(res.body.verifiedAt).toEqual(res.body.createdAt);
    const detail = await w.vendor.get(`/v1/outcomes/${res.body.id}`).expect(200);
    expect(detail.body.events.map((e: any) => [e.fromStatus, e.toStatus, e.actorRole])).toEqual([
      [null, 'recorded', 'vendor_admin'],
      ['recorded', 'verified', 'system'],
    ]);
  });

  it('answers a replay with the same content (spelled differently) as a duplicate with the stored outcome', async () => {
    const first = await w.vendor.post(`/v1/contracts/${w.contractId}/outcomes`, report('rep-replay')).expect(201);
    const before = await counts();
    const again = await w.vendor
      .post(`/v1/contracts/${w.contractId}/outcomes`, report('rep-replay', { quantity: '1.0', occurredAt: '2026-03-02T01:00:00Z' }))
      .expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await counts()).toEqual(before);
  });

  it('refuses a replay with different content as a conflict, and writes nothing', async () => {
    await w.vendor.post(`/v1/contracts/${w.contractId}/outcomes`, report('rep-conflict')).expect(201);
    const before = await counts();
    const res = await w.vendor.post(`/v1/contracts/${w.contractId}/outcomes`, report('rep-conflict', { quantity: '2' })).expect(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'OUTCOME_EXTERNAL_ID_CONFLICT', errors: [{ field: 'externalId' }] });
    expect(await counts()).toEqual(before);
  });

  it('stores one row when the same outcome is posted 50 times at once, and answers all 50 with the same outcome', async () => {
    const body = report('rep-concurrent', { value: '15.00' });
    const answers = await Promise.all(Array.from({ length: 50 }, () => w.vendor.post(`/v1/contracts/${w.contractId}/outcomes`, body)));
    expect(answers.map((a) => a.status).sort()).toEqual([...Array(49).fill(200), 201].sort());
    const bodies = new Set(answers.map((a) => JSON.stringify(a.body)));
    expect(bodies.size).toBe(1);
    const [row] = await t.db.query(
      `SELECT count(*)::int AS n, (SELECT count(*)::int FROM outcome_events e WHERE e.outcome_id = min(o.id::text)::uuid) AS events
         FROM outcomes o WHERE external_id = 'rep-concurrent'`,
    );
    expect(row).toEqual({ n: 1, events: 1 });
  });

  it('answers each batch item on its own: valid items are written, invalid ones name their index and field and write nothing', async () => {
    const before = await counts();
    const res = await w.vendor
      .post('/v1/outcomes/batch', {
        outcomes: [
          { ...report('b-1'), contractId: w.contractId },
          { ...report('b-2', { quantity: '-1' }), contractId: w.contractId },
          { ...report('b-3'), contractId: w.contractId, colour: 'red' },
          { externalId: 'b-4', type: 'query', quantity: '10', occurredAt: '2026-03-05T00:00:00Z', contractId: w.contractId },
          { ...report('b-5', { type: 'hallucination' }), contractId: w.contractId },
          'not an object',
        ],
      })
      .expect(200);
    expect(res.body).toMatchObject({ created: 2, duplicates: 0, errors: 4 });
    expect(res.body.results.map((r: any) => [r.index, r.status, r.error?.code, r.error?.field])).toEqual([
      [0, 'created', undefined, undefined],
      [1, 'error', 'VALIDATION_FAILED', 'outcomes[1].quantity'],
      [2, 'error', 'VALIDATION_FAILED', 'outcomes[2].colour'],
      [3, 'created', undefined, undefined],
      [4, 'error', 'OUTCOME_TYPE_UNKNOWN', 'outcomes[4].type'],
      [5, 'error', 'VALIDATION_FAILED', 'outcomes[5]'],
    ]);
    expect(res.body.results[3].outcome.status).toBe('verified');
    const after = await counts();
    expect(after.outcomes - before.outcomes).toBe(2);
    expect(after.outcome_events - before.outcome_events).toBe(3); // b-1 recorded; b-4 recorded + verified
  });

  it('answers a batch replayed whole with all duplicates and writes nothing new', async () => {
    const other = await anotherContract(w);
    const outcomes = Array.from({ length: 300 }, (_, i) => ({
      ...report(`replay-${i}`, { dimensions: { hospital: `H${i % 7}` } }),
      contractId: i % 2 ? w.contractId : other,
    }));
    const first = await w.vendor.post('/v1/outcomes/batch', { outcomes }).expect(200);
    expect(first.body).toMatchObject({ created: 300, duplicates: 0, errors: 0 });
    const before = await counts();
    const again = await w.vendor.post('/v1/outcomes/batch', { outcomes }).expect(200);
    expect(again.body).toMatchObject({ created: 0, duplicates: 300, errors: 0 });
    expect(again.body.results.map((r: any) => r.outcome)).toEqual(first.body.results.map((r: any) => r.outcome));
    expect(await counts()).toEqual(before);
  });

  it('treats the same externalId twice in one batch as one outcome and its replay, or a conflict when the content differs', async () => {
    const item = { ...report('twice'), contractId: w.contractId };
    const res = await w.vendor
      .post('/v1/outcomes/batch', { outcomes: [item, item, { ...item, quantity: '3' }] })
      .expect(200);
    expect(res.body.results.map((r: any) => r.status)).toEqual(['created', 'duplicate', 'error']);
    expect(res.body.results[2].error).toMatchObject({ code: 'OUTCOME_EXTERNAL_ID_CONFLICT', field: 'outcomes[2].externalId' });
    expect(res.body.results[1].outcome).toEqual(res.body.results[0].outcome);
  });

  it('answers an item for another vendor’s contract as not found, without touching the other items', async () => {
    const stranger = await outcomeWorld(t);
    const res = await w.vendor
      .post('/v1/outcomes/batch', {
        outcomes: [
          { ...report('mine'), contractId: w.contractId },
          { ...report('theirs'), contractId: stranger.contractId },
        ],
      })
      .expect(200);
    expect(res.body.results.map((r: any) => [r.status, r.error?.code, r.error?.field])).toEqual([
      ['created', undefined, undefined],
      ['error', 'CONTRACT_NOT_FOUND', 'outcomes[1].contractId'],
    ]);
    const single = await w.vendor.post(`/v1/contracts/${stranger.contractId}/outcomes`, report('theirs')).expect(404);
    expect(single.body.code).toBe('CONTRACT_NOT_FOUND');
  });

  it('stores inline evidence with the SHA-256 of its canonical JSON, and a URI with the digest given', async () => {
    const evidence = { study: 'CT-2231', findings: ['nodule 4mm'], reader: { id: 'R7', accepted: true } };
    const inline = await w.vendor.post(`/v1/contracts/${w.contractId}/outcomes`, report('ev-inline', { evidence })).expect(201);
    expect(inline.body.evidenceSha256).toBe(sha256(canonicalJson(evidence)));
    expect(inline.body.evidence).toEqual(evidence);
    const digest = 'ab'.repeat(32);
    const uri = await w.vendor
      .post(`/v1/contracts/${w.contractId}/outcomes`, report('ev-uri', { evidenceUri: 'oss://pacs-cn/2026/03/CT-2231.dcm', evidenceSha256: digest }))
      .expect(201);
    expect(uri.body).toMatchObject({ evidence: null, evidenceUri: 'oss://pacs-cn/2026/03/CT-2231.dcm', evidenceSha256: digest });
    // The digest is part of the content: the same externalId with other evidence is a conflict.
    await w.vendor
      .post(`/v1/contracts/${w.contractId}/outcomes`, report('ev-uri', { evidenceUri: 'oss://pacs-cn/2026/03/CT-2231.dcm', evidenceSha256: 'cd'.repeat(32) }))
      .expect(409);
  });

  it('checks an outcome against the terms version in force on its local date', async () => {
    await w.vendor
      .post(`/v1/contracts/${w.contractId}/terms`, {
        effectiveFrom: '2026-06-01',
        terms: { components: [{ type: 'usage', metric: 'tokens.input', unitPrice: '0.27', per: '1000000' }] },
      })
      .expect(201);
    const may = await w.vendor
      .post(`/v1/contracts/${w.contractId}/outcomes`, { externalId: 'tok-may', type: 'tokens.input', quantity: '1000', occurredAt: '2026-05-31T23:30:00+08:00' })
      .expect(422);
    expect(may.body).toMatchObject({ code: 'OUTCOME_TYPE_UNKNOWN', errors: [{ field: 'type' }] });
    // 16:30Z on 31 May is 1 June in Shanghai: the new terms apply.
    const june = await w.vendor
      .post(`/v1/contracts/${w.contractId}/outcomes`, { externalId: 'tok-june', type: 'tokens.input', quantity: '1000', occurredAt: '2026-05-31T16:30:00Z' })
      .expect(201);
    expect(june.body.status).toBe('verified');
    await w.vendor.post(`/v1/contracts/${w.contractId}/outcomes`, report('rep-june', { occurredAt: '2026-06-02T00:00:00+08:00' })).expect(422);
  });

  it('lists outcomes by contract, type, status, period and dimension with a cursor', async () => {
    const contractId = await anotherContract(w);
    const outcomes = [
      ...Array.from({ length: 5 }, (_, i) => ({ ...report(`l-${i}`, { dimensions: { hospital: i < 3 ? 'H3' : 'H4' } }), contractId })),
      { ...report('l-april', { occurredAt: '2026-04-01T00:30:00+08:00', dimensions: { hospital: 'H3' } }), contractId },
      { externalId: 'l-q', type: 'query', quantity: '5', occurredAt: '2026-03-03T00:00:00Z', contractId },
    ];
    await w.vendor.post('/v1/outcomes/batch', { outcomes }).expect(200);

    const march = await w.vendor.get(`/v1/outcomes?contractId=${contractId}&period=2026-03&type=report`).expect(200);
    expect(march.body.data.map((o: any) => o.externalId).sort()).toEqual(['l-0', 'l-1', 'l-2', 'l-3', 'l-4']);
    const h3 = await w.vendor.get(`/v1/outcomes?contractId=${contractId}&dimensions[hospital]=H3`).expect(200);
    expect(h3.body.data.map((o: any) => o.externalId).sort()).toEqual(['l-0', 'l-1', 'l-2', 'l-april']);
    const verified = await w.vendor.get(`/v1/outcomes?contractId=${contractId}&status=verified`).expect(200);
    expect(verified.body.data.map((o: any) => o.externalId)).toEqual(['l-q']);
    const window = await w.vendor
      .get(`/v1/outcomes?contractId=${contractId}&occurredFrom=${encodeURIComponent('2026-04-01T00:00:00+08:00')}`)
      .expect(200);
    expect(window.body.data.map((o: any) => o.externalId)).toEqual(['l-april']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await w.vendor.get(`/v1/outcomes?contractId=${contractId}&limit=3${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
      expect(page.body.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.data.map((o: any) => o.externalId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });

  it('shows a customer only its own contracts’ outcomes, lets auditors read, and hides other vendors’ outcomes', async () => {
    const other = await outcomeWorld(t);
    const theirs = await other.vendor.post(`/v1/contracts/${other.contractId}/outcomes`, report('theirs-1')).expect(201);
    const mine = await w.vendor.post(`/v1/contracts/${w.contractId}/outcomes`, report('mine-vis')).expect(201);

    await w.vendor.get(`/v1/outcomes/${theirs.body.id}`).expect(404);
    await w.customer.get(`/v1/outcomes/${theirs.body.id}`).expect(404);
    await w.customer.get(`/v1/outcomes/${mine.body.id}`).expect(200);
    const listed = await w.customer.get('/v1/outcomes?limit=500').expect(200);
    expect(listed.body.data.every((o: any) => o.contractId !== other.contractId)).toBe(true);

    // A second customer of the same vendor sees none of the first customer's outcomes.
    const c2 = await w.vendor.post('/v1/customers', { name: 'Another hospital' }).expect(201);
    const k2 = await w.vendor.post('/v1/api-keys', { name: 'k2', role: 'customer', customerId: c2.body.id }).expect(201);
    await t.as(k2.body.secret).get(`/v1/outcomes/${mine.body.id}`).expect(404);
    expect((await t.as(k2.body.secret).get('/v1/outcomes').expect(200)).body.data).toEqual([]);

    const auditor = await w.vendor.post('/v1/api-keys', { name: 'aud', role: 'auditor' }).expect(201);
    await t.as(auditor.body.secret).get(`/v1/outcomes/${mine.body.id}`).expect(200);
    await t.as(auditor.body.secret).post(`/v1/contracts/${w.contractId}/outcomes`, report('by-auditor')).expect(403);
    await w.customer.post(`/v1/contracts/${w.contractId}/outcomes`, report('by-customer')).expect(403);
  });

  it('gives counts by status, the acceptance rate and sums per type for a month in the contract’s timezone', async () => {
    const fresh = await outcomeWorld(t);
    const outcomes = [
      ...Array.from({ length: 4 }, (_, i) => ({ ...report(`s-${i}`), contractId: fresh.contractId })),
      { externalId: 's-sav', type: 'savings', value: '1200.50', occurredAt: '2026-03-10T00:00:00+08:00', contractId: fresh.contractId },
      { externalId: 's-q1', type: 'query', quantity: '100', occurredAt: '2026-03-31T23:59:00+08:00', contractId: fresh.contractId },
      // 2026-03-31T16:30Z is April in Shanghai: outside the March figures.
      { externalId: 's-q2', type: 'query', quantity: '7', occurredAt: '2026-03-31T16:30:00Z', contractId: fresh.contractId },
    ];
    const res = await fresh.vendor.post('/v1/outcomes/batch', { outcomes }).expect(200);
    const ids = res.body.results.map((r: any) => r.outcome.id);
    const empty = await fresh.vendor.get(`/v1/contracts/${fresh.contractId}/outcome-stats?period=2026-03`).expect(200);
    // Only the metered query is verified yet (automatically); no report is decided.
    expect(empty.body.byType.find((x: any) => x.type === 'report').acceptanceRate).toBeNull();
    expect(empty.body.acceptanceRate).toBe('1'); // the one acceptance rate: 4 places, no trailing zeros (was '1.00')
    await fresh.customer.post('/v1/outcomes/verify', { ids: [ids[0], ids[1], ids[2], ids[4]] }).expect(200);
    await fresh.customer.post('/v1/outcomes/reject', { ids: [ids[3]], reason: 'not a finding' }).expect(200);

    const stats = await fresh.vendor.get(`/v1/contracts/${fresh.contractId}/outcome-stats?period=2026-03`).expect(200);
    expect(stats.body).toMatchObject({
      period: { start: '2026-03-01', end: '2026-04-01' },
      timezone: 'Asia/Shanghai',
      currency: 'CNY',
      count: 6,
      byStatus: { recorded: 0, verified: 5, rejected: 1, disputed: 0, reversed: 0 },
      acceptanceRate: '0.8333', // was '0.83' (2 places) before the one acceptance rate
    });
    const byType = Object.fromEntries(stats.body.byType.map((x: any) => [x.type, x]));
    expect(byType.report).toMatchObject({ count: 4, quantitySum: '4', verifiedQuantitySum: '3', acceptanceRate: '0.75' });
    expect(byType.savings).toMatchObject({ count: 1, valueSum: '1200.5', verifiedValueSum: '1200.5' });
    expect(byType.query).toMatchObject({ count: 1, quantitySum: '100' });
    const april = await fresh.vendor.get(`/v1/contracts/${fresh.contractId}/outcome-stats?period=2026-04`).expect(200);
    expect(april.body.byType).toEqual([expect.objectContaining({ type: 'query', quantitySum: '7' })]);
  });
});
