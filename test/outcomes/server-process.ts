import { ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';

export { freePort } from '../support/local-postgres';

const ROOT = join(__dirname, '..', '..');


export interface Answer {
  status: number;
  text: string;
}

/** One HTTP request to 127.0.0.1; rejects when the connection dies (the server was killed). */
export function send(agent: http.Agent, port: number, method: string, path: string, key: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1', port, method, path, agent,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('response aborted')));
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** The real service as its own process (`node -r @swc-node/register src/main.ts`), ready when /health answers. */
export async function startServer(env: Record<string, string>, nodeArgs: string[] = []): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [...nodeArgs, '-r', '@swc-node/register', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', SEED_DEMO: 'false', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const agent = new http.Agent({ keepAlive: false });
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not start:\n${out}`);
    }
    const ok = await send(agent, Number(env.PORT), 'GET', '/health', '').then((r) => r.status === 200, () => false);
    if (ok) return proc;
    await new Promise((r) => setTimeout(r, 150));
  }
}

export function exited(proc: ChildProcess): Promise<void> {
  return proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((r) => proc.once('exit', () => r()));
}
