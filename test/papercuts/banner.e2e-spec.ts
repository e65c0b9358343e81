import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService as start, stopService as stop } from '../database/service-process';
import { freePort } from '../support/local-postgres';

describe('the start banner (issue #18)', () => {
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
    } finally {
      expect(await stop(started.proc)).toBe(0);
    }
  }, 240_000);
});
