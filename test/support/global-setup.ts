import { chmodSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
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
    const dataDir = mkdtempSync(join(tmpdir(), 'ol-test-pg-'));
    chmodSync(dataDir, 0o755); // initdb runs as the unprivileged postgres user when we are root
    const db = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false, ephemeral: true, database: 'postgres' });
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}
