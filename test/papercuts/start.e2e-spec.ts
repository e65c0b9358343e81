import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService as start, stopService as stop } from '../database/service-process';
import { freePort } from '../support/local-postgres';

describe('starting the service: the banner and the folders it opens (issue #18)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ol-banner-'));
    chmodSync(dataDir, 0o755);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('names the fixture every clone carries as the demo data, not the upstream folder', async () => {
    const started = await start(dataDir, await freePort(), await freePort());
    try {
      expect(started.output()).toContain('demo data: the seven seed scenarios of test/fixtures/seed-scenarios.json');
      expect(started.output()).not.toContain('shared/scenarios');
      // DATA_DIR under /tmp is reachable as it is: no folder is opened, and no line says so
      if (process.getuid?.() === 0) expect(started.output()).not.toContain('added search permission');
    } finally {
      expect(await stop(started.proc)).toBe(0);
    }
  }, 240_000);

  it('as root, says in one line which folders it gave o+x when DATA_DIR sits in a private folder', async () => {
    if (process.getuid?.() !== 0) return; // only root hands the data to the postgres user
    const home = join(dataDir, 'private-home');
    mkdirSync(home);
    chmodSync(home, 0o700);
    const data = join(home, 'data');
    const started = await start(data, await freePort(), await freePort());
    try {
      const lines = started.output().split('\n').filter((l) => l.includes('added search permission (o+x) for the postgres user to:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(home);
      expect(statSync(home).mode & 0o777).toBe(0o701);
    } finally {
      expect(await stop(started.proc)).toBe(0);
    }
  }, 240_000);
});
