import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalMasterKey } from './local-master-key';
import { loadMasterKey } from './master-key';
import { SecretBox } from './secret-box';

describe('envelope encryption', () => {
  const master = new LocalMasterKey(randomBytes(32));
  const box = new SecretBox(master);

  it('seals each secret under its own data key, in a versioned envelope naming the master key, and opens it again', async () => {
    const a = await box.seal('whsec_abc', 'ctx:1');
    const b = await box.seal('whsec_abc', 'ctx:1');
    expect(a).toEqual({ v: 1, alg: 'A256GCM', kek: master.keyId, dek: expect.any(String), nonce: expect.any(String), ct: expect.any(String), tag: expect.any(String) });
    expect(a.dek).not.toBe(b.dek);
    expect(a.ct).not.toBe(b.ct);
    expect(JSON.stringify(a)).not.toContain('whsec_abc');
    expect(await box.openText(a, 'ctx:1')).toBe('whsec_abc');
  });

  it('refuses to open an envelope under another context, another master key, or with any field changed', async () => {
    const env = await box.seal('-----BEGIN PRIVATE KEY-----', 'vendor:1');
    await expect(box.open(env, 'vendor:2')).rejects.toThrow();
    await expect(new SecretBox(new LocalMasterKey(randomBytes(32))).open(env, 'vendor:1')).rejects.toThrow(/wrapped by master key local:/);
    const flip = (s: string) => {
      const b = Buffer.from(s, 'base64');
      b[0] ^= 1;
      return b.toString('base64');
    };
    for (const field of ['dek', 'nonce', 'ct', 'tag'] as const) await expect(box.open({ ...env, [field]: flip(env[field]) }, 'vendor:1')).rejects.toThrow();
    await expect(box.open({ ...env, v: 2 as 1 }, 'vendor:1')).rejects.toThrow('unsupported secret envelope version');
  });
});

describe('the master key', () => {
  let dir: string;
  const lines: string[] = [];
  const log = (m: string) => lines.push(m);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ol-mk-'));
    lines.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('comes from SECRETS_MASTER_KEY, then SECRETS_MASTER_KEY_FILE', () => {
    const key = randomBytes(32);
    expect(loadMasterKey({ NODE_ENV: 'production', DATA_DIR: dir, SECRETS_MASTER_KEY: key.toString('base64') }, log).equals(key)).toBe(true);
    writeFileSync(join(dir, 'mk'), key.toString('base64') + '\n');
    expect(loadMasterKey({ NODE_ENV: 'production', DATA_DIR: dir, SECRETS_MASTER_KEY_FILE: join(dir, 'mk') }, log).equals(key)).toBe(true);
    expect(lines).toEqual([]);
  });

  it('refuses a key that is not exactly 32 bytes of base64, and a missing file', () => {
    expect(() => loadMasterKey({ NODE_ENV: 'development', DATA_DIR: dir, SECRETS_MASTER_KEY: randomBytes(16).toString('base64') }, log)).toThrow(
      'SECRETS_MASTER_KEY must be the base64 of 32 random bytes',
    );
    expect(() => loadMasterKey({ NODE_ENV: 'development', DATA_DIR: dir, SECRETS_MASTER_KEY_FILE: join(dir, 'nope') }, log)).toThrow('does not exist');
  });

  it('stops a production start that has no key, with a message naming the settings', () => {
    expect(() => loadMasterKey({ NODE_ENV: 'production', DATA_DIR: dir }, log)).toThrow(/SECRETS_MASTER_KEY or SECRETS_MASTER_KEY_FILE must be set in production/);
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
  });

  it('outside production, generates DATA_DIR/master.key (0600) once, saying so in one line, and reads it on the next start', () => {
    const first = loadMasterKey({ NODE_ENV: 'development', DATA_DIR: join(dir, 'data') }, log);
    const file = join(dir, 'data', 'master.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').equals(first)).toBe(true);
    expect(lines).toEqual([expect.stringContaining(`generated a secrets master key in ${file}`)]);
    expect(loadMasterKey({ NODE_ENV: 'development', DATA_DIR: join(dir, 'data') }, log).equals(first)).toBe(true);
    expect(lines).toHaveLength(1);
  });
});
