import { chmodSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** A throwaway embedded PostgreSQL in a fresh temp folder, for test runs and benchmarks. */
export async function startScratchPostgres(
  prefix: string,
  opts: { ephemeral?: boolean; database?: string } = {},
): Promise<EmbeddedDatabase & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dataDir, 0o755); // initdb runs as the unprivileged postgres user when we are root
  const db = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    persistent: false,
    ephemeral: opts.ephemeral ?? false,
    database: opts.database ?? 'postgres',
  });
  return { ...db, dataDir };
}
