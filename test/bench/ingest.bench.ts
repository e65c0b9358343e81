// `npm run bench -- ingest [--outcomes=200000] [--clients=4] [--batch=1000] [--rounds=4] [--verification=customer|auto] [--profile=<dir>]`
//
// The same 200,000 outcomes twice into the same `outcomes` table of one PostgreSQL:
//  1. raw COPY FROM STDIN of the finished rows (the ceiling: no HTTP, no validation, no events), and
//  2. through POST /v1/outcomes/batch of a real server process (keep-alive, a few concurrent clients),
//     which validates, hashes, answers per item, and also writes each outcome's events.
// Prints outcomes/s of each and the ratio API ÷ COPY.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { migrateAndCreateVendor, startBenchPostgres } from './bench-database';
import { arg } from './args';
import { contentSha256 } from '../../src/outcomes/outcome-rules';
import { exited, freePort, send as request, startServer } from '../outcomes/server-process';


interface Outcome {
  externalId: string;
  type: string;
  quantity: string;
  occurredAt: string;
  dimensions: Record<string, string>;
}

/** Meter-like rows: one report or query a minute from 2026-03-01, spread over 40 sites. */
function makeOutcomes(n: number, type: string): Outcome[] {
  const t0 = Date.parse('2026-03-01T00:00:00Z');
  return Array.from({ length: n }, (_, i) => ({
    externalId: `evt-${String(i).padStart(7, '0')}`,
    type,
    quantity: '1',
    occurredAt: new Date(t0 + i * 10_000).toISOString(),
    dimensions: { site: `S${i % 40}` },
  }));
}

/** COPY text format: backslash, tab, newline and carriage return escaped; \N is NULL. */
function copyText(v: string | null): string {
  if (v === null) return '\\N';
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

export default async function ingestBench(args: string[]): Promise<void> {
  const total = Number(arg(args, 'outcomes', '200000'));
  const clients = Number(arg(args, 'clients', '4'));
  const batchSize = Number(arg(args, 'batch', '1000'));
  const verification = arg(args, 'verification', 'customer');
  if (!['customer', 'auto'].includes(verification)) throw new Error('--verification must be customer or auto');
  const type = verification === 'auto' ? 'query' : 'report';

  // A durable cluster (fsync on), as in production; both loads run on it.
  const pg = await startBenchPostgres();
  const dataDir = pg.dataDir;
  let server: ChildProcess | null = null;
  try {
    const { vendorId, adminKey } = await migrateAndCreateVendor(pg.url, 'Bench vendor');

    const port = await freePort();
    // --profile=<dir>: a V8 CPU profile of the server, written when it stops.
    const profileDir = arg(args, 'profile', '');
    server = await startServer(
      { DATABASE_URL: pg.url, PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', SECRETS_MASTER_KEY: randomBytes(32).toString('base64') },
      profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    );
    const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
    const key = adminKey.secret;
    const customer = JSON.parse((await request(agent, port, 'POST', '/v1/customers', key, JSON.stringify({ name: 'Bench customer' }))).text);
    const terms = {
      components: [
        verification === 'auto'
          ? { type: 'usage', metric: 'query', unitPrice: '0.20', verification: 'auto' }
          : { type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer' },
      ],
    };
    const contract = async (name: string) =>
      JSON.parse(
        (
          await request(
            agent,
            port,
            'POST',
            '/v1/contracts',
            key,
            JSON.stringify({ customerId: customer.id, name, currency: 'CNY', taxRate: '0.06', startsOn: '2026-03-01', status: 'active', terms }),
          )
        ).text,
      ).id as string;
    const apiContract = await contract('Bench: API');
    const copyContract = await contract('Bench: COPY');
    const warmContract = await contract('Bench: warm-up');

    const outcomes = makeOutcomes(total, type);
    const bodies: string[] = [];
    for (let i = 0; i < total; i += batchSize)
      bodies.push(JSON.stringify({ outcomes: outcomes.slice(i, i + batchSize).map((o) => ({ ...o, contractId: apiContract })) }));

    // COPY rows: exactly what the API stores (same content hash), for the second contract: each
    // outcome and its key (outcome_keys: the idempotency key, migration 1768500000000).
    const status = verification === 'auto' ? 'verified' : 'recorded';
    const ids = outcomes.map(() => randomUUID());
    const keyLines = outcomes.map((o, i) => [vendorId, ids[i], copyContract, o.externalId, o.occurredAt].map(copyText).join('\t') + '\n');
    const lines = outcomes.map((o, i) => {
      const sha = contentSha256({ type: o.type, quantity: o.quantity, value: null, occurredAt: o.occurredAt, dimensions: o.dimensions, evidenceSha256: null, evidenceUri: null, correctsOutcomeId: null });
      return [
        vendorId, ids[i], copyContract, o.externalId, o.type, o.quantity, null, o.occurredAt, JSON.stringify(o.dimensions), status, sha,
        status === 'verified' ? o.occurredAt : null, adminKey.id,
      ].map(copyText).join('\t') + '\n';
    });

    // Warm the server's JIT with a few batches on a third contract (not timed).
    const warm = makeOutcomes(5 * batchSize, type).map((o) => ({ ...o, contractId: warmContract }));
    agent.destroy(); // idle while the rows were generated: the server may have closed its sockets
    const warmAgent = new http.Agent({ keepAlive: true });
    for (let i = 0; i < warm.length; i += batchSize)
      await request(warmAgent, port, 'POST', '/v1/outcomes/batch', key, JSON.stringify({ outcomes: warm.slice(i, i + batchSize) }));

    // The two loads alternate in rounds (COPY then API, then API then COPY, ...), so that a shared
    // machine's load and the table's growth weigh on both alike; each method's times are summed.
    const rounds = Math.max(1, Number(arg(args, 'rounds', '4')));
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    warmAgent.destroy();
    let copySeconds = 0;
    let apiSeconds = 0;
    let failures = 0;

    const copyRound = async (from: number, to: number) => {
      const keys = Buffer.from(keyLines.slice(from, to).join(''), 'utf8');
      const payload = Buffer.from(lines.slice(from, to).join(''), 'utf8');
      const started = process.hrtime.bigint();
      await pipeline(Readable.from([keys]), client.query(copyFrom(`COPY outcome_keys (vendor_id, id, contract_id, external_id, occurred_at) FROM STDIN`)));
      await pipeline(
        Readable.from([payload]),
        client.query(
          copyFrom(
            `COPY outcomes (vendor_id, id, contract_id, external_id, type, quantity, value, occurred_at, dimensions, status, content_sha256, verified_at, recorded_by_key_id) FROM STDIN`,
          ),
        ),
      );
      copySeconds += Number(process.hrtime.bigint() - started) / 1e9;
    };

    const apiRound = async (from: number, to: number) => {
      // A fresh agent each round: the server closes sockets idle for 5 s (its keep-alive timeout).
      const apiAgent = new http.Agent({ keepAlive: true, maxSockets: clients });
      let next = from;
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: clients }, async () => {
          while (next < to) {
            const body = bodies[next++];
            const res = await request(apiAgent, port, 'POST', '/v1/outcomes/batch', key, body);
            // The totals close the answer; checking them spares parsing 1,000 outcomes here, on the same cores.
            if (res.status !== 200 || !/"duplicates":0,"errors":0}$/.test(res.text)) {
              failures++;
              if (failures === 1) console.error(`batch failed: ${res.status} ${res.text.slice(0, 500)}`);
            }
          }
        }),
      );
      apiSeconds += Number(process.hrtime.bigint() - started) / 1e9;
      apiAgent.destroy();
    };

    for (let r = 0; r < rounds; r++) {
      const [b0, b1] = [Math.floor((bodies.length * r) / rounds), Math.floor((bodies.length * (r + 1)) / rounds)];
      const [o0, o1] = [b0 * batchSize, Math.min(total, b1 * batchSize)];
      if (r % 2 === 0) {
        await copyRound(o0, o1);
        await apiRound(b0, b1);
      } else {
        await apiRound(b0, b1);
        await copyRound(o0, o1);
      }
    }

    const counts = await client.query(
      `SELECT contract_id, count(*)::int AS n FROM outcomes WHERE contract_id = ANY($1) GROUP BY contract_id`,
      [[apiContract, copyContract]],
    );
    const events = await client.query(`SELECT count(*)::int AS n FROM outcome_events`);
    await client.end();
    const byContract = new Map(counts.rows.map((r) => [r.contract_id, r.n]));
    if (failures || byContract.get(apiContract) !== total || byContract.get(copyContract) !== total)
      throw new Error(`load incomplete: ${failures} failed batches, rows ${JSON.stringify(Object.fromEntries(byContract))}`);

    const apiRate = total / apiSeconds;
    const copyRate = total / copySeconds;
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(
      `ingest bench: ${fmt(total)} outcomes (${verification}-verified "${type}"), batches of ${batchSize}, ${clients} keep-alive clients, ${rounds} alternating rounds`,
    );
    console.log(`  COPY FROM STDIN : ${copySeconds.toFixed(2)} s  ${fmt(copyRate)} rows/s`);
    console.log(`  POST batch API  : ${apiSeconds.toFixed(2)} s  ${fmt(apiRate)} outcomes/s  (+ ${fmt(events.rows[0].n)} outcome events in all)`);
    console.log(`  ratio API ÷ COPY: ${(apiRate / copyRate).toFixed(2)}  (target ≥ 0.50)`);
  } finally {
    if (server) {
      server.kill('SIGTERM');
      await exited(server);
    }
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
