import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createTestApp, TestApp } from '../support/test-app';
import { exited, freePort, send, startServer } from './server-process';

const BATCHES = 40;
const PER_BATCH = 250;

/**
 * The real service in its own process, killed with SIGKILL in the middle of a batch ingestion:
 * every outcome it acknowledged with a 2xx is in the database, and after the client retries every
 * batch it did not see acknowledged, each outcome is there exactly once, with its events once.
 */
describe('durability of batch ingestion across a SIGKILL', () => {
  let t: TestApp;
  let server: ChildProcess | null = null;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGKILL');
      await exited(server);
    }
    await t.close();
  });

  it('keeps every acknowledged outcome and none twice after the client retries', async () => {
    const vendor = await t.createVendor();
    const api = t.as(vendor.adminKey);
    const customer = await api.post('/v1/customers', { name: 'Pacific Retail Bank' }).expect(201);
    const contract = await api
      .post('/v1/contracts', {
        customerId: customer.body.id, name: 'Chatbot', currency: 'CNY', taxRate: '0.06', startsOn: '2026-03-01', status: 'active',
        terms: { components: [{ type: 'usage', metric: 'query', unitPrice: '0.20', verification: 'auto' }] },
      })
      .expect(201);
    const bodies = Array.from({ length: BATCHES }, (_, b) =>
      JSON.stringify({
        outcomes: Array.from({ length: PER_BATCH }, (_, i) => ({
          contractId: contract.body.id,
          externalId: `q-${b}-${i}`,
          type: 'query',
          quantity: String(1 + ((b * PER_BATCH + i) % 97)),
          occurredAt: new Date(Date.parse('2026-03-01T00:00:00Z') + (b * PER_BATCH + i) * 1000).toISOString(),
          dimensions: { channel: i % 2 ? 'app' : 'web' },
        })),
      }),
    );

    const port = await freePort();
    const env = { DATABASE_URL: t.databaseUrl, PORT: String(port), RATE_LIMIT_PER_MINUTE: '0' };
    server = await startServer(env);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 3 });
    const acked = new Set<number>();
    let next = 0;
    let killed = false;
    let cutOff = 0;
    const killer = (async () => {
      // Kill once a third of the batches are acknowledged, while others are in flight.
      while (acked.size < BATCHES / 3) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 20));
      killed = true;
      server!.kill('SIGKILL');
      await exited(server!);
    })();
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        while (!killed && next < BATCHES) {
          const b = next++;
          try {
            const res = await send(agent, port, 'POST', '/v1/outcomes/batch', vendor.adminKey, bodies[b]);
            if (res.status >= 200 && res.status < 300) acked.add(b);
          } catch {
            cutOff++; // connection reset by the kill: not acknowledged, to be retried
          }
        }
      }),
    );
    await killer;
    agent.destroy();
    expect(acked.size).toBeGreaterThanOrEqual(BATCHES / 3);
    expect(acked.size).toBeLessThan(BATCHES);
    expect(cutOff).toBeGreaterThanOrEqual(1); // the kill landed while a batch was in flight

    // Before any retry: everything acknowledged is already durable.
    const ackedIds = [...acked].flatMap((b) => Array.from({ length: PER_BATCH }, (_, i) => `q-${b}-${i}`));
    const [present] = await t.db.query(`SELECT count(*)::int AS n FROM outcomes WHERE external_id = ANY($1)`, [ackedIds]);
    expect(present.n).toBe(ackedIds.length);

    // Restart and retry everything the client did not see acknowledged, plus one it did.
    server = await startServer(env);
    const retryAgent = new http.Agent({ keepAlive: true });
    let created = 0;
    let duplicates = 0;
    const retried = [...Array(BATCHES).keys()].filter((b) => !acked.has(b)).concat([...acked][0]);
    for (const b of retried) {
      const res = await send(retryAgent, port, 'POST', '/v1/outcomes/batch', vendor.adminKey, bodies[b]);
      expect(res.status).toBe(200);
      const answer = JSON.parse(res.text);
      expect(answer.errors).toBe(0);
      created += answer.created;
      duplicates += answer.duplicates;
    }
    retryAgent.destroy();
    expect(duplicates).toBeGreaterThanOrEqual(PER_BATCH); // at least the acknowledged batch sent again

    const [totals] = await t.db.query(
      `SELECT count(*)::int AS rows, count(DISTINCT external_id)::int AS distinct_ids, sum(quantity)::text AS quantity
         FROM outcomes WHERE contract_id = $1`,
      [contract.body.id],
    );
    const expectedQuantity = Array.from({ length: BATCHES * PER_BATCH }, (_, k) => 1 + (k % 97)).reduce((a, b) => a + b, 0);
    expect(totals).toEqual({ rows: BATCHES * PER_BATCH, distinct_ids: BATCHES * PER_BATCH, quantity: `${expectedQuantity}.000000000000` });
    // Each metered outcome has exactly its two events (recorded, verified): none lost, none doubled.
    const [events] = await t.db.query(
      `SELECT count(*)::int AS outcomes_with_other_than_two FROM (
         SELECT o.id FROM outcomes o LEFT JOIN outcome_events e ON e.vendor_id = o.vendor_id AND e.outcome_id = o.id
          WHERE o.contract_id = $1 GROUP BY o.id HAVING count(e.id) <> 2) x`,
      [contract.body.id],
    );
    expect(events.outcomes_with_other_than_two).toBe(0);
    expect(created + duplicates).toBe(retried.length * PER_BATCH);
  });
});
