import { parse } from 'dotenv';
import { existsSync, readFileSync } from 'node:fs';
import { AppConfig, ConfigInvalidError, envFilePaths, validateConfig } from '../common/config/app-config';
import { EmbeddedDatabase, startEmbeddedPostgres } from './embedded-postgres';

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

/**
 * With DATABASE_URL: use it. Without: start the embedded PostgreSQL under DATA_DIR and point
 * DATABASE_URL at it, so that everything after this sees one way to reach the database.
 */
export async function ensureDatabase(config: AppConfig, log: (m: string) => void): Promise<EmbeddedDatabase | null> {
  if (config.DATABASE_URL) return null;
  const started = Date.now();
  const embedded = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, port: config.EMBEDDED_PG_PORT });
  process.env.DATABASE_URL = embedded.url;
  config.DATABASE_URL = embedded.url;
  log(`embedded PostgreSQL ready on port ${config.EMBEDDED_PG_PORT} in ${Date.now() - started} ms (data in ${config.DATA_DIR})`);
  return embedded;
}
