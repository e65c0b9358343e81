// `npm run bench -- latency [--requests=10000] [--clients=50] [--processes=1] [--profile=<dir>] [--count-queries]`
//
// The single-outcome path: a real server process (`src/main.ts`, rate limit off) on a durable
// scratch PostgreSQL, and keep-alive clients each POSTing one outcome at a time to
// POST /v1/contracts/:id/outcomes. Prints requests/s, p50/p90/p99 with `clients` clients and with
// one. `--profile=<dir>` also records a V8 CPU profile of the server and prints where its busy time
// went, by package or source folder (self time), which is what issue #16 item 4 asks to know first;
// `--count-queries` prints the SQL statements the server sent per request; `--processes=N` runs the
// service as N processes on one port (API_PROCESSES, node:cluster).
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateAndCreateVendor, startBenchPostgres } from './bench-database';
import { arg } from './args';
import { exited, freePort, send as request, startServer } from '../outcomes/server-process';

interface Run {
  seconds: number;
  latencies: number[];
  failures: number;
}

async function load(port: number, key: string, contractId: string, prefix: string, requests: number, clients: number): Promise<Run> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const t0 = Date.parse('2026-03-01T00:00:00Z');
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < requests) {
        const i = next++;
        const body = JSON.stringify({ externalId: `${prefix}-${i}`, type: 'query', quantity: '1', occurredAt: new Date(t0 + i * 1000).toISOString() });
        const s = process.hrtime.bigint();
        const res = await request(agent, port, 'POST', `/v1/contracts/${contractId}/outcomes`, key, body);
        latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
        if (res.status !== 201) {
          failures++;
          if (failures === 1) console.error(`request failed: ${res.status} ${res.text.slice(0, 300)}`);
        }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { seconds, latencies, failures };
}

/** Waits until `n` distinct API processes have answered /health (the first answers before the rest are up). */
async function allServing(port: number, n: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: false });
  const seen = new Set<string>();
  const deadline = Date.now() + 90_000;
  while (seen.size < n) {
    if (Date.now() > deadline) throw new Error(`only ${seen.size} of ${n} API processes answered`);
    await new Promise<void>((resolve, reject) =>
      http.get({ host: '127.0.0.1', port, path: '/health', agent }, (res) => {
        seen.add(String(res.headers['x-api-process']));
        res.resume().on('end', () => resolve());
      }).on('error', reject),
    );
    if (seen.size < n) await new Promise((r) => setTimeout(r, 100));
  }
  agent.destroy();
}

/**
 * CPU time (user + system, ms) used so far by a process and its descendants, from /proc: what the
 * server and PostgreSQL spend per request, a figure that other load on the machine disturbs far
 * less than requests/s do.
 */
export function cpuMsOfTree(rootPid: number): number {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  const procs = new Map<number, { ppid: number; ms: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on
      procs.set(Number(name), { ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12])) * tick });
    } catch {
      // the process ended while being read
    }
  }
  let ms = 0;
  for (const [pid, p] of procs) {
    for (let at: number | undefined = pid, hops = 0; at && hops < 10; at = procs.get(at)?.ppid, hops++)
      if (at === rootPid) {
        ms += p.ms;
        break;
      }
  }
  return ms;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function report(label: string, r: Run): void {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  const rate = r.latencies.length / r.seconds;
  console.log(
    `  ${label.padEnd(12)}: ${Math.round(rate).toLocaleString('en-US')} req/s  p50 ${percentile(sorted, 50).toFixed(1)} ms  p90 ${percentile(sorted, 90).toFixed(1)} ms  p99 ${percentile(sorted, 99).toFixed(1)} ms  (${r.latencies.length} requests, ${r.failures} failed)`,
  );
}

/** Self time of a V8 CPU profile by where the code lives: a package, a src/ folder, or the runtime. */
export function profileByPlace(profile: { nodes: Array<{ id: number; hitCount?: number; callFrame: { url: string; functionName: string } }> }): Array<[string, number]> {
  const by = new Map<string, number>();
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    const { url, functionName } = n.callFrame;
    let place: string;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    const src = /\/src\/([^/]+)\//.exec(url);
    if (pkg) place = pkg[1];
    else if (src) place = `src/${src[1]}`;
    else if (url.startsWith('node:')) place = 'node internals';
    else if (!url) place = functionName.startsWith('(') ? functionName : `(native ${functionName || '?'})`;
    else place = url.replace(/^.*\//, '');
    by.set(place, (by.get(place) ?? 0) + hits);
  }
  return [...by.entries()].sort((a, b) => b[1] - a[1]);
}

export default async function latencyBench(args: string[]): Promise<void> {
  const requests = Number(arg(args, 'requests', '10000'));
  const clients = Number(arg(args, 'clients', '50'));
  const profileDir = arg(args, 'profile', '');
  const processes = Number(arg(args, 'processes', '1'));
  const pg = await startBenchPostgres();
  let server: ChildProcess | null = null;
  try {
    const { adminKey } = await migrateAndCreateVendor(pg.url, 'Latency vendor');

    const port = await freePort();
    const countFile = args.includes('--count-queries') ? join(tmpdir(), `ol-bench-queries-${process.pid}.json`) : '';
    server = await startServer(
      {
        DATABASE_URL: pg.url, PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', SECRETS_MASTER_KEY: randomBytes(32).toString('base64'),
        ...(countFile ? { OL_COUNT_QUERIES_FILE: countFile } : {}),
        ...(processes > 1 ? { API_PROCESSES: String(processes), OL_WORKER_HEADER: 'true' } : {}),
      },
      [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...(countFile ? ['-r', join(__dirname, 'count-queries.preload.js')] : [])],
    );
    const key = adminKey.secret;
    if (processes > 1) await allServing(port, processes);
    let written = 0; // what the server writes to stdout/stderr under load: logging costs show here
    server.stdout!.on('data', (d: Buffer) => (written += d.length));
    server.stderr!.on('data', (d: Buffer) => (written += d.length));
    const setup = new http.Agent({ keepAlive: false });
    const customer = JSON.parse((await request(setup, port, 'POST', '/v1/customers', key, JSON.stringify({ name: 'Latency customer' }))).text);
    const terms = { components: [{ type: 'usage', metric: 'query', unitPrice: '0.20', verification: 'auto' }] };
    const contractId = JSON.parse(
      (
        await request(
          setup,
          port,
          'POST',
          '/v1/contracts',
          key,
          JSON.stringify({ customerId: customer.id, name: 'Latency', currency: 'CNY', taxRate: '0.06', startsOn: '2026-03-01', status: 'active', terms }),
        )
      ).text,
    ).id as string;

    const warm = await load(port, key, contractId, 'warm', Math.min(2000, requests), clients); // JIT and pools warm, not timed
    const postmaster = Number(readFileSync(join(pg.dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const idle0 = { server: cpuMsOfTree(server.pid!), pg: cpuMsOfTree(postmaster) };
    await new Promise((r) => setTimeout(r, 5000));
    console.log(`  idle for 5 s: server ${(cpuMsOfTree(server.pid!) - idle0.server) / 5} ms/s, PostgreSQL ${(cpuMsOfTree(postmaster) - idle0.pg) / 5} ms/s`);
    const cpu0 = { server: cpuMsOfTree(server.pid!), pg: cpuMsOfTree(postmaster) };
    const many = await load(port, key, contractId, 'many', requests, clients);
    const cpu = { server: cpuMsOfTree(server.pid!) - cpu0.server, pg: cpuMsOfTree(postmaster) - cpu0.pg };
    const one = await load(port, key, contractId, 'one', Math.min(2000, requests), 1);
    console.log(
      `latency bench: single POST /v1/contracts/:id/outcomes (auto-verified usage), keep-alive, rate limit off, ${processes} API process${processes > 1 ? 'es' : ''}`,
    );
    report(`${clients} clients`, many);
    report('1 client', one);
    const perRequest = (ms: number) => `${((1000 * ms) / many.latencies.length).toFixed(0)} µs`;
    console.log(
      `  CPU per request (${clients} clients run): server ${perRequest(cpu.server)}, PostgreSQL ${perRequest(cpu.pg)}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
    );
    console.log(`  server output during the runs: ${written.toLocaleString('en-US')} bytes`);
    console.log(`  goal (issue #16): ≥ 2,000 req/s with p99 ≤ 25 ms at 50 clients`);
    if (many.failures || one.failures) throw new Error('some requests failed');
    server.kill('SIGTERM');
    await exited(server);
    server = null;
    if (countFile) {
      const sent = warm.latencies.length + many.latencies.length + one.latencies.length;
      const rows: Array<[string, number]> = JSON.parse(readFileSync(countFile, 'utf8'));
      rmSync(countFile, { force: true });
      console.log(`  SQL statements per request (${sent} requests):`);
      for (const [text, n] of rows.filter(([, n]) => n >= sent / 100)) console.log(`    ${(n / sent).toFixed(2)}  ${text}`);
    }
  } finally {
    if (server) {
      server.kill('SIGTERM');
      await exited(server);
    }
    await pg.stop();
    rmSync(pg.dataDir, { recursive: true, force: true });
  }
  if (profileDir) {
    // The server's main thread wrote the largest profile (pino's transport thread writes its own).
    const file = readdirSync(profileDir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .sort((a, b) => statSync(join(profileDir, b)).size - statSync(join(profileDir, a)).size)[0];
    if (!file) return;
    const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8'));
    const places = profileByPlace(profile);
    const busy = places.filter(([p]) => p !== '(idle)').reduce((s, [, n]) => s + n, 0);
    const all = places.reduce((s, [, n]) => s + n, 0);
    console.log(
      `  server CPU profile (${join(profileDir, file)}): busy ${((100 * busy) / all).toFixed(1)} % of its samples (start-up included); self time of the busy ones:`,
    );
    for (const [place, hits] of places.filter(([p]) => p !== '(idle)').slice(0, 18))
      console.log(`    ${place.padEnd(34)} ${((100 * hits) / busy).toFixed(1).padStart(5)} %`);
  }
}
