import { Client } from 'pg';
import { runMigrations } from '../../src/database/migrate';
import { provisionRoles } from '../../src/database/roles';
import { startScratchPostgres } from './local-postgres';
import { TEMPLATE_DB, TEST_ROLE_PASSWORDS } from './harness-file';

/**
 * One real PostgreSQL for the whole run (embedded, fsync off), migrated once, as the schema owner,
 * into a template database; every test file then gets its own clean copy (CREATE DATABASE …
 * TEMPLATE), in ms, and runs its app as the service's role, like production.
 */
export default async function globalSetup(): Promise<void> {
  let serverUrl: string;
  let stop: (() => Promise<void>) | null = null;
  if (process.env.TEST_DATABASE_SERVER_URL) {
    serverUrl = process.env.TEST_DATABASE_SERVER_URL; // a superuser, e.g. postgres://postgres:postgres@127.0.0.1:5432
  } else {
    const db = await startScratchPostgres('ol-test-pg-', { ephemeral: true });
    serverUrl = db.serverUrl;
    stop = db.stop;
  }
  const admin = new Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
  await admin.end();
  const { ownerUrl } = await provisionRoles(serverUrl, TEMPLATE_DB, TEST_ROLE_PASSWORDS);
  await runMigrations(ownerUrl);
  // Workers are spawned after global setup and inherit the environment.
  process.env.OL_TEST_SERVER_URL = serverUrl;
  (globalThis as any).__OL_STOP_PG__ = stop;
}
