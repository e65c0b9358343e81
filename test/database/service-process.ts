import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface Started {
  proc: ChildProcess;
  output: () => string;
  /** From spawn to the printed curl line (the service serves). */
  ms: number;
  curl: { key: string; url: string };
}

/** `npm start`'s own entry point, as a user runs it: no DATABASE_URL, a data folder of its own. */
export async function startService(dataDir: string, port: number, pgPort: number, env: Record<string, string> = {}): Promise<Started> {
  const started = Date.now();
  const e: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, PORT: String(port), EMBEDDED_PG_PORT: String(pgPort), LOG_LEVEL: 'warn', ...env };
  delete e.DATABASE_URL;
  delete e.MIGRATIONS_DATABASE_URL;
  const proc = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], { cwd: ROOT, env: e });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 90_000;
  let match: RegExpMatchArray | null = null;
  while (!(match = out.match(/curl -s -H "Authorization: Bearer (\S+)" (\S+)/))) {
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      throw new Error(`service did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, output: () => out, ms: Date.now() - started, curl: { key: match[1], url: match[2] } };
}

/** Sends a signal and resolves with the exit code. */
export function stopService(proc: ChildProcess, signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve(proc.exitCode);
    proc.once('exit', (code) => resolve(code));
    proc.kill(signal);
  });
}

/** The postmaster recorded for a data folder, if any. */
export function postmasterPid(dataDir: string): number | null {
  const file = join(dataDir, 'postgres', 'postmaster.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : null;
}

/** Pids of every live (not zombie) process whose command line names this data folder: a postmaster and its backends. */
export function postgresProcessesOf(dataDir: string): number[] {
  const dir = join(dataDir, 'postgres');
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^\d+ \(.*\) /, '')[0];
      if (cmd.includes(dir) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
