// `npm run bench -- export [--small=100000] [--large=1000000] [--verify=true]`
//
// The evidence bundle of one contract at 100,000 and at 1,000,000 outcomes, streamed over HTTP from
// the service to a file, sampling the service process's RSS (/proc/<pid>/status) every 50 ms. The
// service runs as in production: compiled with tsc (into node_modules/.cache/outcome-ledger-bench)
// and started with plain node, since @swc-node/register alone adds ~90 MB to a process. Outcomes
// and their events are seeded with SQL (INSERT … SELECT generate_series), each with a real content
// hash, and billed by real invoices (February: the first 100,000; March: the rest), so the bundle
// carries 1,000,000 billing links too. Prints seconds and peak RSS of each export, and then of the
// offline verifier (a child process, its own peak RSS read from /proc) on each bundle.
// The service gets the V8 flags of `npm run start:prod` (package.json); OL_BENCH_NODE_OPTIONS replaces
// them to compare GC settings (e.g. OL_BENCH_NODE_OPTIONS= for V8's defaults).
import { NestFactory } from '@nestjs/core';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { freePort, startScratchPostgres } from '../support/local-postgres';
import { arg } from './args';
import { seedOutcomesSql } from './bench-database';

const ROOT = join(__dirname, '..', '..');
const MB = 1024 * 1024;



function call(port: number, method: string, path: string, key: string, body?: unknown): Promise<any> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { authorization: `Bearer ${key}`, ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode! >= 300) return reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
          resolve(text ? JSON.parse(text) : null);
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Inserts outcomes [from, to) of the contract, verified by the customer, with their two events; all in SQL. */
async function seed(ds: DataSource, vendorId: string, contractId: string, from: number, to: number, month: string): Promise<void> {
  const t0 = Date.now();
  for (let lo = from; lo < to; lo += 250_000) {
    const hi = Math.min(to, lo + 250_000);
    await ds.query(
      seedOutcomesSql(
        'vendor_id, contract_id, external_id, type, quantity, occurred_at, dimensions, status, content_sha256, verified_at',
        `SELECT $1::uuid, $2::uuid, 'rep-' || lpad(i::text, 7, '0'), 'report', 1, at, jsonb_build_object('hospital', site), 'verified',
                encode(sha256(convert_to(
                  '{"correctsOutcomeId":null,"dimensions":{"hospital":"' || site || '"},"evidenceSha256":null,"evidenceUri":null,"occurredAt":"'
                  || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '","quantity":"1","type":"report","value":null}', 'UTF8')), 'hex'),
                $4::timestamptz + interval '40 days'
           FROM rows`,
        {
          with: `rows AS (
            SELECT i, ($4::timestamptz + (i % 2000000) * interval '1 second') AS at, 'H' || (i % 50) AS site FROM generate_series($5::int, $6::int - 1) AS i)`,
          then: `INSERT INTO outcome_events (vendor_id, outcome_id, from_status, to_status, actor_role, actor_key_id)
                 SELECT $1::uuid, id, s.f, s.t, s.r, $3::uuid FROM ins, (VALUES (NULL, 'recorded', 'vendor_admin'), ('recorded', 'verified', 'customer')) AS s(f, t, r)`,
        },
      ),
      [vendorId, contractId, null, `${month}-01T00:00:00+08:00`, lo, hi],
    );
  }
  await ds.query('ANALYZE outcomes; ANALYZE outcome_events');
  console.log(`  seeded outcomes ${from.toLocaleString('en')}–${to.toLocaleString('en')} (${month}) with 2 events each in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function billAndFinalize(port: number, key: string, contractId: string, period: string): Promise<any> {
  const t0 = Date.now();
  // The run is queued (202) and worked by the server's own worker: follow it to the end.
  const queued = await call(port, 'POST', '/v1/billing-runs', key, { period, contractIds: [contractId] });
  while ((await call(port, 'GET', `/v1/billing-runs/${queued.id}`, key)).status !== 'completed') await new Promise((r) => setTimeout(r, 100));
  const list = await call(port, 'GET', `/v1/invoices?contractId=${contractId}&period=${period}`, key);
  const inv = await call(port, 'POST', `/v1/invoices/${list.data[0].id}/finalize`, key);
  console.log(`  invoiced ${period}: ${inv.number} total ${inv.total} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return inv;
}

/** Streams the bundle to a file while sampling this process's RSS every 50 ms. */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

async function exportBundle(
  pid: number,
  port: number,
  key: string,
  contractId: string,
  file: string,
): Promise<{ seconds: number; peakMb: number; startMb: number; bytes: number }> {
  const startMb = rssOf(pid) / MB;
  let peak = rssOf(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 50);
  const t0 = process.hrtime.bigint();
  try {
    await new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: `/v1/contracts/${contractId}/evidence`, headers: { authorization: `Bearer ${key}` } }, (res) => {
          if (res.statusCode !== 200) return reject(new Error(`export: ${res.statusCode}`));
          pipeline(res, createWriteStream(file)).then(resolve, reject);
        })
        .on('error', reject);
    });
  } finally {
    clearInterval(timer);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, peakMb: Math.max(peak, rssOf(pid)) / MB, startMb, bytes: statSync(file).size };
}

/** Runs the offline verifier as its own process; its peak RSS (VmHWM) read from /proc while it runs. */
function verify(file: string, publicKeyFile: string): Promise<{ seconds: number; peakMb: number; code: number; tail: string }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['bin/outcome-ledger.js', 'verify-bundle', file, '--public-key', publicKeyFile], { cwd: ROOT });
    let out = '';
    let hwm = 0;
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwm = Math.max(hwm, Number(m[1]) / 1024);
      } catch {
        /* exited */
      }
    }, 50);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ seconds: (Date.now() - t0) / 1000, peakMb: hwm, code: code ?? -1, tail: out.trim().split('\n').slice(-3).join('\n') });
    });
  });
}

/** tsc into a private folder (dist/ is left alone: the package's bin prefers it when present). */
function build(): string {
  const out = join(ROOT, 'node_modules', '.cache', 'outcome-ledger-bench');
  const t0 = Date.now();
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', out, '--sourceMap', 'false'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  // What `nest build` copies beside the JavaScript (nest-cli.json "assets": templates, i18n, portal assets).
  const assets: Array<{ include: string }> = JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8')).compilerOptions.assets ?? [];
  for (const { include } of assets) {
    const dir = include.slice(0, include.indexOf('*'));
    cpSync(join(ROOT, 'src', dir), join(out, 'src', dir), { recursive: true, filter: (f) => !f.endsWith('.ts') });
  }
  console.log(`  compiled the service with tsc in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return out;
}

/** The node flags production starts with: those of `npm run start:prod`. */
function productionNodeFlags(): string {
  const startProd: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['start:prod'];
  return (startProd.match(/(?<=\s)--[\w-]+(=\S+)?/g) ?? []).join(' ');
}

async function startServer(buildDir: string, databaseUrl: string, port: number): Promise<ChildProcess> {
  const nodeOptions = process.env.OL_BENCH_NODE_OPTIONS ?? productionNodeFlags();
  console.log(`  service node flags: ${nodeOptions || '(V8 defaults)'}`);
  // As command-line flags, as start:prod passes them: NODE_OPTIONS refuses some V8 flags.
  const env = { ...process.env, NODE_ENV: 'production', DATABASE_URL: databaseUrl, PORT: String(port), SEED_DEMO: 'false', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' };
  const proc = spawn(process.execPath, [...nodeOptions.split(' ').filter(Boolean), join(buildDir, 'src', 'main.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
    const ok = await new Promise<boolean>((resolve) =>
      http.get({ host: '127.0.0.1', port, path: '/health' }, (res) => (res.resume(), resolve(res.statusCode === 200))).on('error', () => resolve(false)),
    );
    if (ok) return proc;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export default async function exportBench(args: string[]): Promise<void> {
  const small = Number(arg(args, 'small', '100000'));
  const large = Number(arg(args, 'large', '1000000'));
  const doVerify = arg(args, 'verify', 'true') === 'true';
  const work = mkdtempSync(join(tmpdir(), 'ol-bench-export-files-'));
  const pg = await startScratchPostgres('ol-bench-export-', { database: 'bench' });
  const dataDir = pg.dataDir;
  let server: ChildProcess | null = null;
  try {
    const buildDir = build();
    const ds = new DataSource({ type: 'postgres', url: pg.url, migrations, migrationsTransactionMode: 'each' });
    await ds.initialize();
    await ds.runMigrations();
    // The bench's 2026 months partitioned, as the service creates months ahead.
    await ds.query(`SELECT ol_create_outcome_partitions('2026-01-01', 12)`);

    // The operator creates the vendor (what the CLI does), in this process.
    // One master key for this process (the vendor's signing key) and the service it starts (production requires one).
    Object.assign(process.env, { SECRETS_MASTER_KEY: process.env.SECRETS_MASTER_KEY ?? randomBytes(32).toString('base64'), DATABASE_URL: pg.url, LOG_LEVEL: 'silent', SEED_DEMO: 'false' });
    const { AppModule } = await import('../../src/app.module');
    const { VendorsService } = await import('../../src/parties/vendors.service');
    const ctx = await NestFactory.createApplicationContext(AppModule, { logger: false });
    const { vendor, adminKey } = await ctx.get(VendorsService).create('Bench vendor');
    await ctx.close();
    const port = await freePort();
    server = await startServer(buildDir, pg.url, port);
    const pid = server.pid!;
    const key = adminKey.secret;
    const customer = await call(port, 'POST', '/v1/customers', key, { name: 'Bench hospital group' });
    const contract = await call(port, 'POST', '/v1/contracts', key, {
      customerId: customer.id,
      name: 'Radiology copilot (bench)',
      currency: 'CNY',
      taxRate: '0.06',
      startsOn: '2026-01-01',
      status: 'active',
      terms: { components: [{ type: 'per_outcome', unitPrice: '15.00', outcomeType: 'report', verification: 'customer', breakdownBy: 'hospital' }] },
    });
    const pem = join(work, 'vendor.pem');
    writeFileSync(pem, vendor.signingPublicKey);

    console.log(`export bench: one contract, outcomes seeded with SQL, bundle streamed over HTTP; service rss sampled every 50 ms (idle: ${(rssOf(pid) / MB).toFixed(0)} MB)`);
    const results: Array<{ n: number; seconds: number; peakMb: number; startMb: number; bytes: number }> = [];
    const files: Array<[number, string]> = [];
    await seed(ds, vendor.id, contract.id, 0, small, '2026-02');
    await billAndFinalize(port, key, contract.id, '2026-02');
    for (const [n, month] of [
      [small, null],
      [large, '2026-03'],
    ] as Array<[number, string | null]>) {
      if (month) {
        await seed(ds, vendor.id, contract.id, small, n, month);
        await billAndFinalize(port, key, contract.id, month);
      }
      const file = join(work, `bundle-${n}.zip`);
      const r = await exportBundle(pid, port, key, contract.id, file);
      results.push({ n, ...r });
      files.push([n, file]);
      console.log(
        `  export ${n.toLocaleString('en')} outcomes: ${r.seconds.toFixed(1)} s, ${(r.bytes / MB).toFixed(1)} MB zip, ` +
          `rss ${r.startMb.toFixed(0)} MB before, peak ${r.peakMb.toFixed(0)} MB`,
      );
    }
    const [a, b] = results;
    const growth = ((b.peakMb - a.peakMb) / a.peakMb) * 100;
    console.log(
      `RESULT export: peak rss ${a.peakMb.toFixed(0)} MB at ${a.n.toLocaleString('en')} and ${b.peakMb.toFixed(0)} MB at ${b.n.toLocaleString('en')} ` +
        `(growth ${growth.toFixed(1)}%; target < 250 MB and < 20%): ${a.peakMb < 250 && b.peakMb < 250 && growth < 20 ? 'PASS' : 'FAIL'}`,
    );
    await ds.destroy();
    server.kill('SIGTERM');
    server = null;
    if (doVerify)
      for (const [n, file] of files) {
        const v = await verify(file, pem);
        console.log(`  verify-bundle ${n.toLocaleString('en')} outcomes: exit ${v.code}, ${v.seconds.toFixed(1)} s, peak rss ${v.peakMb.toFixed(0)} MB\n    ${v.tail.replace(/\n/g, '\n    ')}`);
      }
  } finally {
    server?.kill('SIGTERM');
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}
