import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { freePort } from '../support/local-postgres';
import { isAlive, postgresProcessesOf, postmasterPid, startService, stopService } from './service-process';

const ROOT = join(__dirname, '..', '..');

/**
 * The embedded PostgreSQL's lifetime is the service's, across crashes: real processes, a real
 * data folder, SIGKILL from outside.
 */
describe('embedded PostgreSQL: restarts cleanly after a crash and never outlives the service', () => {
  let dataDir: string;
  let port: number;
  let pgPort: number;
  let key: string;
  const contracts = async () =>
    (await request(`http://localhost:${port}`).get('/v1/contracts?limit=100').set('Authorization', `Bearer ${key}`).expect(200)).body.data.length;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ol-restart-'));
    chmodSync(dataDir, 0o755);
    port = await freePort();
    pgPort = await freePort();
    const first = await startService(dataDir, port, pgPort);
    key = first.curl.key;
    expect(await contracts()).toBe(7);
    expect(await stopService(first.proc)).toBe(0);
  }, 240_000);
  afterAll(() => {
    for (const pid of postgresProcessesOf(dataDir)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('after kill -9 of the postmaster and the service together, the next start serves within seconds with its data', async () => {
    const running = await startService(dataDir, port, pgPort);
    const postmaster = postmasterPid(dataDir)!;
    expect(isAlive(postmaster)).toBe(true);
    process.kill(postmaster, 'SIGKILL');
    running.proc.kill('SIGKILL');
    await stopService(running.proc);

    const again = await startService(dataDir, port, pgPort);
    try {
      expect(again.output()).not.toMatch(/ECONNREFUSED/);
      // node + TypeScript loading is most of this on a loaded 2-core machine; the old start failed here for ~25 s
      expect(again.ms).toBeLessThan(30_000);
      process.stdout.write(`embedded restart after kill -9 of postmaster and service: serving in ${again.ms} ms\n`);
      expect(await contracts()).toBe(7);
      expect(again.curl.key).toBe(key);
    } finally {
      expect(await stopService(again.proc)).toBe(0);
    }
    expect(postgresProcessesOf(dataDir)).toEqual([]);
  }, 240_000);

  it('after kill -9 of the service alone, the next start adopts the orphan postmaster, and Ctrl-C leaves no PostgreSQL behind', async () => {
    const running = await startService(dataDir, port, pgPort);
    const orphan = postmasterPid(dataDir)!;
    running.proc.kill('SIGKILL');
    await stopService(running.proc);
    expect(isAlive(orphan)).toBe(true); // the crash left it running

    const again = await startService(dataDir, port, pgPort);
    expect(again.output()).toContain(`adopting the embedded PostgreSQL (pid ${orphan})`);
    expect(await contracts()).toBe(7);
    expect(await stopService(again.proc, 'SIGINT')).toBe(0);
    expect(isAlive(orphan)).toBe(false);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    expect(postgresProcessesOf(dataDir)).toEqual([]);
  }, 240_000);

  it('a stale postmaster.pid naming a live process that is not PostgreSQL is cleared with one line', async () => {
    const file = join(dataDir, 'postgres', 'postmaster.pid');
    const pgDir = join(dataDir, 'postgres');
    // the pid of this jest worker: alive, not a postmaster (what a reboot can leave behind)
    writeFileSync(file, `${process.pid}\n${pgDir}\n1700000000\n${pgPort}\n/tmp\nlocalhost\n  0 0\nready\n`);
    const again = await startService(dataDir, port, pgPort);
    try {
      expect(again.output()).toMatch(new RegExp(`stale postmaster.pid \\(pid ${process.pid} is not a running PostgreSQL of this data folder\\)`));
      expect(await contracts()).toBe(7);
    } finally {
      expect(await stopService(again.proc)).toBe(0);
    }
    expect(postgresProcessesOf(dataDir)).toEqual([]);
  }, 240_000);

  it('the CLI shares the running service\'s PostgreSQL, and adopts and stops an orphan one', async () => {
    const cli = () =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) };
        delete env.DATABASE_URL;
        delete env.MIGRATIONS_DATABASE_URL;
        const p = spawn(process.execPath, ['-r', '@swc-node/register', 'src/cli.ts', 'vendor', 'list', '--json'], { cwd: ROOT, env });
        let out = '';
        let err = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (err += d));
        p.on('exit', (code) => resolve({ code, out, err }));
      });
    const running = await startService(dataDir, port, pgPort);
    const postmaster = postmasterPid(dataDir)!;
    const shared = await cli();
    expect(shared).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(shared.out).length).toBeGreaterThan(0);
    expect(isAlive(postmaster)).toBe(true); // not the CLI's to stop
    expect(await contracts()).toBe(7);

    running.proc.kill('SIGKILL');
    await stopService(running.proc);
    const adopted = await cli();
    expect(adopted.code).toBe(0);
    expect(adopted.err).toContain(`adopting the embedded PostgreSQL (pid ${postmaster})`);
    expect(isAlive(postmaster)).toBe(false);
    expect(postgresProcessesOf(dataDir)).toEqual([]);
  }, 240_000);

  it('the CLI against a port where nothing listens exits 1 within seconds, with one line', async () => {
    const closed = await freePort();
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string; stdout: string; ms: number }>((resolve) => {
        const started = Date.now();
        const full: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', ...env };
        delete full.MIGRATIONS_DATABASE_URL;
        const p = spawn(process.execPath, ['-r', '@swc-node/register', 'src/cli.ts', 'vendor', 'list'], { cwd: ROOT, env: full });
        let stderr = '';
        let stdout = '';
        p.stderr.on('data', (d) => (stderr += d));
        p.stdout.on('data', (d) => (stdout += d));
        p.on('exit', (code) => resolve({ code, stderr, stdout, ms: Date.now() - started }));
      });
    // the same CLI stopped by a bad setting: the cost of starting node, to compare against
    const baseline = await run({ PORT: 'eighty', DATABASE_URL: `postgres://u:p@127.0.0.1:${closed}/db` });
    const res = await run({ DATABASE_URL: `postgres://u:p@127.0.0.1:${closed}/outcome_ledger` });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toEqual([
      `cannot connect to PostgreSQL at u@127.0.0.1:${closed}/outcome_ledger (DATABASE_URL): connect ECONNREFUSED 127.0.0.1:${closed}`,
    ]);
    expect(res.ms - baseline.ms).toBeLessThan(3000);
  }, 120_000);
});

