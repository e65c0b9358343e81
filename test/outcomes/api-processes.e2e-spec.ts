import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createTestApp, TestApp } from '../support/test-app';
import { exited, freePort, startServer } from './server-process';

interface Served {
  status: number;
  body: any;
  process: string;
  replayed: boolean;
}

/**
 * The real service with API_PROCESSES=2 (node:cluster, src/api-processes.ts): two worker processes
 * answer on one port, and what one answered the other answers the same way on a retry, because
 * every guarantee lives in the database, not in a process.
 */
describe('the API as two processes on one port', () => {
  let t: TestApp;
  let server: ChildProcess | null = null;
  let port: number;
  let key: string;
  // A new connection per request: the primary hands connections to the workers in turn.
  const agent = new http.Agent({ keepAlive: false });

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Served> =>
    new Promise((resolve, reject) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          host: '127.0.0.1', port, method, path, agent,
          headers: { authorization: `Bearer ${key}`, ...(text ? { 'content-type': 'application/json' } : {}), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const raw = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode!, body: raw ? JSON.parse(raw) : null, process: String(res.headers['x-api-process']),
              replayed: res.headers['idempotent-replayed'] === 'true',
            });
          });
        },
      );
      req.on('error', reject);
      req.end(text);
    });

  /** Sends the request until a process other than `not` answers it (the turns are the primary's). */
  async function fromOtherProcess(not: string, send: () => Promise<Served>): Promise<Served> {
    for (let i = 0; i < 20; i++) {
      const r = await send();
      if (r.process !== not) return r;
    }
    throw new Error(`every answer came from process ${not}`);
  }

  beforeAll(async () => {
    t = await createTestApp();
    key = (await t.createVendor()).adminKey;
    port = await freePort();
    server = await startServer({
      DATABASE_URL: t.databaseUrl, PORT: String(port), RATE_LIMIT_PER_MINUTE: '0', API_PROCESSES: '2', OL_WORKER_HEADER: 'true', METRICS_PORT: '0',
    });
  });
  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await exited(server);
    }
    agent.destroy();
    await t.close();
  });

  it('serves from two worker processes, neither of them the primary', async () => {
    const seen = new Set<string>();
    const deadline = Date.now() + 60_000; // the second worker may still be starting when the first answers /health
    while (seen.size < 2 && Date.now() < deadline) {
      const r = await call('GET', '/health');
      expect(r.status).toBe(200);
      seen.add(r.process);
      if (seen.size < 2) await new Promise((r) => setTimeout(r, 100));
    }
    const processes = [...seen].map((s) => s.split('/'));
    expect(processes.map(([worker]) => worker).sort()).toEqual(['1', '2']);
    const pids = processes.map(([, pid]) => Number(pid));
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(server!.pid);
  });

  it('answers a retried outcome from the other process with the first answer, and a changed one with a conflict', async () => {
    const customer = await call('POST', '/v1/customers', { name: 'Pacific Retail Bank' });
    const contract = await call('POST', '/v1/contracts', {
      customerId: customer.body.id, name: 'Chatbot', currency: 'CNY', taxRate: '0.06', startsOn: '2026-03-01', status: 'active',
      terms: { components: [{ type: 'usage', metric: 'query', unitPrice: '0.20', verification: 'auto' }] },
    });
    expect(contract.status).toBe(201);
    const path = `/v1/contracts/${contract.body.id}/outcomes`;
    const outcome = { externalId: 'q-1', type: 'query', quantity: '3', occurredAt: '2026-03-05T10:00:00Z' };
    const first = await call('POST', path, outcome);
    expect(first.status).toBe(201);
    const retry = await fromOtherProcess(first.process, () => call('POST', path, outcome));
    expect(retry).toMatchObject({ status: 200, replayed: true, body: first.body });
    const changed = await fromOtherProcess(first.process, () => call('POST', path, { ...outcome, quantity: '4' }));
    expect(changed.status).toBe(409);
    expect(changed.body.code).toBe('OUTCOME_EXTERNAL_ID_CONFLICT');
    const [row] = await t.db.query(`SELECT count(*)::int AS n FROM outcomes WHERE contract_id = $1`, [contract.body.id]);
    expect(row.n).toBe(1);

    // Both processes now keep the contract; one terminates it, the other refuses an outcome after the end at once.
    const ended = await call('POST', `/v1/contracts/${contract.body.id}/terminate`, { endsOn: '2026-03-10' });
    expect(ended.status).toBe(200);
    const late = await fromOtherProcess(ended.process, () => call('POST', path, { ...outcome, externalId: 'q-late', occurredAt: '2026-03-20T10:00:00Z' }));
    expect(late.status).toBe(422);
    expect(late.body.code).toBe('OCCURRED_OUTSIDE_CONTRACT');
  });

  it('replays an Idempotency-Key answer from the other process', async () => {
    const headers = { 'Idempotency-Key': 'two-processes-1' };
    const first = await call('POST', '/v1/customers', { name: 'Northwind' }, headers);
    expect(first.status).toBe(201);
    const again = await fromOtherProcess(first.process, () => call('POST', '/v1/customers', { name: 'Northwind' }, headers));
    expect(again).toMatchObject({ status: 201, replayed: true, body: first.body });
  });

  it('stops every process on SIGTERM, with exit code 0', async () => {
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) pids.add(Number((await call('GET', '/health')).process.split('/')[1]));
    server!.kill('SIGTERM');
    await exited(server!);
    expect(server!.exitCode).toBe(0);
    const alive = [...pids].filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });
});
