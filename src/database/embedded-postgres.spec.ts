import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { grantTraverse } from './embedded-postgres';

describe('grantTraverse: what the embedded PostgreSQL opens to its postgres user when run as root', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ol-traverse-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const modes = (path: string) => {
    const out: Record<string, number> = {};
    for (let dir = path; ; dir = dirname(dir)) {
      out[dir] = statSync(dir).mode & 0o7777;
      if (dirname(dir) === dir) return out;
    }
  };

  it('changes no folder when DATA_DIR under /tmp is already reachable', () => {
    chmodSync(root, 0o755);
    const dataDir = join(root, 'data');
    mkdirSync(dataDir, { mode: 0o755 });
    const before = modes(dataDir);
    expect(grantTraverse(dataDir)).toEqual([]);
    expect(modes(dataDir)).toEqual(before);
  });

  it('adds only o+x to the private folders on the way, and returns them for the log line', () => {
    const priv = join(root, 'home');
    mkdirSync(priv, { mode: 0o700 });
    chmodSync(priv, 0o700);
    const dataDir = join(priv, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    chmodSync(dataDir, 0o700);
    const changed = grantTraverse(dataDir);
    expect(changed).toEqual(expect.arrayContaining([dataDir, priv]));
    expect(statSync(priv).mode & 0o777).toBe(0o701);
    expect(statSync(dataDir).mode & 0o777).toBe(0o701);
  });
});
