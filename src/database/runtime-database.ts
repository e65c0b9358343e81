import { parse } from 'dotenv';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppConfig, ConfigInvalidError, envFilePaths, validateConfig } from '../common/config/app-config';
import { EmbeddedDatabase, startEmbeddedPostgres } from './embedded-postgres';
import { DatabaseStartError, ensureReachable, privilegeWarning, runMigrations } from './migrate';
import { provisionRoles, rolePasswords } from './roles';

/** Reads config/<env>.env under the real environment and validates it, before Nest starts. */
export function loadConfig(): AppConfig {
  const fromFiles = envFilePaths()
    .filter((p) => existsSync(p))
    .reduce<Record<string, string>>((acc, p) => ({ ...acc, ...parse(readFileSync(p)) }), {});
  return validateConfig({ ...fromFiles, ...process.env });
}

/** For entry points: a bad configuration ends the process with the message naming the setting. */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigInvalidError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
}

export interface DatabaseStartOptions {
  /** Progress lines and warnings (the service prints them; the CLI stays quiet). */
  say: (m: string) => void;
  /** What was done about a postmaster left by an earlier run (adopted, stale, stopped). */
  notice?: (m: string) => void;
  /** Connection attempts, one second apart, before giving up with one line (the CLI: 1). */
  attempts: number;
}

/**
 * With DATABASE_URL: use it. Without: start the embedded PostgreSQL under DATA_DIR, create the
 * owner and service roles there, and point DATABASE_URL (service) and MIGRATIONS_DATABASE_URL
 * (owner) at it, so that everything after this sees one way to reach the database. Then the
 * migrations run as the owner, before Nest connects as the service.
 */
export async function ensureDatabase(config: AppConfig, opts: DatabaseStartOptions): Promise<EmbeddedDatabase | null> {
  let embedded: EmbeddedDatabase | null = null;
  if (!config.DATABASE_URL) {
    const started = Date.now();
    embedded = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, port: config.EMBEDDED_PG_PORT, say: opts.notice ?? opts.say });
    try {
      const roles = await provisionRoles(embedded.serverUrl, 'outcome_ledger', rolePasswords(resolve(config.DATA_DIR, 'database-roles.json')));
      setUrls(config, roles.appUrl, roles.ownerUrl);
    } catch (e) {
      await embedded.stop().catch(() => undefined);
      throw e;
    }
    opts.say(`embedded PostgreSQL ready on port ${config.EMBEDDED_PG_PORT} in ${Date.now() - started} ms (data in ${config.DATA_DIR})`);
  }
  try {
    const service = config.DATABASE_URL!;
    const owner = config.MIGRATIONS_DATABASE_URL ?? service;
    await ensureReachable(owner, { attempts: opts.attempts, variable: config.MIGRATIONS_DATABASE_URL ? 'MIGRATIONS_DATABASE_URL' : 'DATABASE_URL' });
    await runMigrations(owner);
    if (owner !== service) await ensureReachable(service, { attempts: 1, variable: 'DATABASE_URL' });
    const warning = await privilegeWarning(service);
    if (warning) opts.say(warning);
  } catch (e) {
    await embedded?.stop().catch(() => undefined);
    throw e;
  }
  return embedded;
}

function setUrls(config: AppConfig, service: string, owner: string): void {
  process.env.DATABASE_URL = config.DATABASE_URL = service;
  process.env.MIGRATIONS_DATABASE_URL = config.MIGRATIONS_DATABASE_URL = owner;
}

/** For entry points: an unreachable database, or one the migrations may not change, ends the process with one line. */
export async function ensureDatabaseOrExit(config: AppConfig, opts: DatabaseStartOptions): Promise<EmbeddedDatabase | null> {
  try {
    return await ensureDatabase(config, opts);
  } catch (e) {
    if (e instanceof DatabaseStartError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
}
