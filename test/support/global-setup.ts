import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { startScratchPostgres } from './local-postgres';
import { TEMPLATE_DB } from './harness-file';

/**
 * One real PostgreSQL for the whole run (embedded, fsync off), migrated once into a template
 * database; every test file then gets its own clean copy (CREATE DATABASE … TEMPLATE), in ms.
 */
export default async function globalSetup(): Promise<void> {
  let serverUrl: string;
  let stop: (() => Promise<void>) | null = null;
  if (process.env.TEST_DATABASE_SERVER_URL) {
    serverUrl = process.env.TEST_DATABASE_SERVER_URL; // e.g. postgres://postgres:postgres@127.0.0.1:5432
  } else {
    const db = await startScratchPostgres('ol-test-pg-', { ephemeral: true });
    serverUrl = db.serverUrl;
    stop = db.stop;
  }
  const admin = new Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  const ds = new DataSource({ type: 'postgres', url: `${serverUrl}/${TEMPLATE_DB}`, migrations, migrationsTransactionMode: 'each' });
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();
  // Workers are spawned after global setup and inherit the environment.
  process.env.OL_TEST_SERVER_URL = serverUrl;
  (globalThis as any).__OL_STOP_PG__ = stop;
}

