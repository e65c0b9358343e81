import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface MasterKeySettings {
  NODE_ENV: string;
  DATA_DIR: string;
  SECRETS_MASTER_KEY?: string;
  SECRETS_MASTER_KEY_FILE?: string;
}

export class MasterKeyError extends Error {}

/** Base64 of exactly 32 bytes, strictly (a truncated or padded key is a configuration error, not a new key). */
export function decodeMasterKey(text: string, origin: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== 32 || key.toString('base64') !== trimmed)
    throw new MasterKeyError(`${origin} must be the base64 of 32 random bytes (e.g. \`openssl rand -base64 32\`)`);
  return key;
}

/**
 * The master key, from (in order) SECRETS_MASTER_KEY, SECRETS_MASTER_KEY_FILE, or — outside
 * production only — DATA_DIR/master.key, generated there (0600) on first start. Production never
 * generates one: a key that lives only beside the database protects nothing, and a lost generated
 * key would make every stored secret unreadable.
 */
export function loadMasterKey(s: MasterKeySettings, log: (message: string) => void): Buffer {
  if (s.SECRETS_MASTER_KEY) return decodeMasterKey(s.SECRETS_MASTER_KEY, 'SECRETS_MASTER_KEY');
  if (s.SECRETS_MASTER_KEY_FILE) {
    if (!existsSync(s.SECRETS_MASTER_KEY_FILE)) throw new MasterKeyError(`SECRETS_MASTER_KEY_FILE ${s.SECRETS_MASTER_KEY_FILE} does not exist`);
    return decodeMasterKey(readFileSync(s.SECRETS_MASTER_KEY_FILE, 'utf8'), `the content of SECRETS_MASTER_KEY_FILE (${s.SECRETS_MASTER_KEY_FILE})`);
  }
  if (s.NODE_ENV === 'production')
    throw new MasterKeyError(
      'SECRETS_MASTER_KEY or SECRETS_MASTER_KEY_FILE must be set in production: it encrypts the vendors’ signing keys and webhook secrets (generate one with `openssl rand -base64 32`)',
    );
  const file = resolve(join(s.DATA_DIR, 'master.key'));
  if (existsSync(file)) return decodeMasterKey(readFileSync(file, 'utf8'), `the master key file ${file}`);
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  try {
    writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process (the CLI, a second instance) generated it first: use that one.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return decodeMasterKey(readFileSync(file, 'utf8'), `the master key file ${file}`);
    throw e;
  }
  chmodSync(file, 0o600); // the umask may have widened it
  log(`generated a secrets master key in ${file} (keep it with the data: without it the stored signing keys and webhook secrets cannot be read)`);
  return key;
}
