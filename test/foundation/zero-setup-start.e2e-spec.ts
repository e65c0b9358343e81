import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { postgresProcessesOf, startService as start, stopService as stop } from '../database/service-process';
import { freePort } from '../support/local-postgres';

describe('zero-setup start: npm start on a fresh machine', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ol-start-'));
    chmodSync(dataDir, 0o755);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts its own PostgreSQL, serves /health and the printed curl, stops cleanly, and does not seed twice', async () => {
    const port = await freePort();
    const pgPort = await freePort();
    const first = await start(dataDir, port, pgPort);
    const base = `http://localhost:${port}`;
    expect(first.output()).toContain(`OpenAPI: ${base}/openapi.json`);
    await request(base).get('/health').expect(200);
    const curl = await request(first.curl.url).get('').set('Authorization', `Bearer ${first.curl.key}`);
    expect(curl.status).toBe(200);
    // the printed curl shows the inspection contract's March invoice, finalized with the seed figures
    expect(curl.body).toMatchObject({ status: 'finalized', subtotal: '250000.00', tax: '15000.00', total: '265000.00' });
    expect(curl.body.number).toMatch(/^INV-\d{4}-\d{6}$/);
    const contracts = await request(base).get('/v1/contracts?limit=100').set('Authorization', `Bearer ${first.curl.key}`).expect(200);
    expect(contracts.body.data).toHaveLength(7);
    const openapi = await request(base).get('/openapi.json').expect(200);
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/v1/contracts', '/v1/customers']));

    expect(await stop(first.proc)).toBe(0);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    // No master key set: one was generated beside the data, private to the user, and the start said so once.
    expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(first.output().match(/generated a secrets master key/g)).toHaveLength(1);
    expect(postgresProcessesOf(dataDir)).toEqual([]);
    // the service ran as its own role (no warning about a superuser); the roles' passwords are private
    expect(first.output()).not.toMatch(/WARNING: the service connects/);
    expect(statSync(join(dataDir, 'database-roles.json')).mode & 0o077).toBe(0);

    const second = await start(dataDir, port, pgPort);
    try {
      expect(second.curl.key).toBe(first.curl.key);
      const again = await request(base).get('/v1/contracts?limit=100').set('Authorization', `Bearer ${second.curl.key}`).expect(200);
      expect(again.body.data).toHaveLength(7);
      expect(second.output()).not.toContain('generated a secrets master key');
    } finally {
      expect(await stop(second.proc)).toBe(0);
    }
  }, 240_000);

  it('refuses to start with a bad PORT and says which setting is wrong', async () => {
    const env = { ...process.env, NODE_ENV: 'development', PORT: 'eighty' };
    const proc = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], { cwd: join(__dirname, '..', '..'), env });
    let out = '';
    proc.stderr!.on('data', (d) => (out += d));
    const code = await new Promise((r) => proc.on('exit', r));
    expect(code).toBe(1);
    expect(out).toMatch(/PORT: PORT must be an integer/);
  }, 60_000);
});
