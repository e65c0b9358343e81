import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startService as start, stopService as stop } from '../database/service-process';
import { freePort } from '../support/local-postgres';

const ROOT = join(__dirname, '..', '..');

/** The README's ```sh blocks that follow a `<!-- readme-example -->` comment, in order. */
export function readmeExamples(markdown: string): string[] {
  return [...markdown.matchAll(/<!-- readme-example -->\s*\n```sh\n([\s\S]*?)\n```/g)].map((m) => m[1]);
}

describe('the README examples run as written (issue #18)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ol-readme-'));
    chmodSync(dataDir, 0o755);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps the opening two commands and finds the marked examples', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/^# Outcome Ledger\n\n```sh\nnpm ci && npm start .*\nnpm ci && npm test .*\n```/);
    expect(readmeExamples(readme)).toHaveLength(4);
  });

  it('issues a customer key bound to its customer and an auditor key restricted to a contract, and runs billing in the background, with the README curls', async () => {
    const port = await freePort();
    const started = await start(dataDir, port, await freePort());
    try {
      const base = `http://localhost:${port}`;
      const blocks = readmeExamples(readFileSync(join(ROOT, 'README.md'), 'utf8'));
      // one bash, as a reader pasting the blocks one after another; a marker line between answers
      const script = ['set -e', ...blocks.flatMap((b) => [b, 'echo', 'echo "--- readme-example ---"'])].join('\n');
      const run = spawnSync('bash', ['-c', script], { cwd: ROOT, env: { ...process.env, BASE: base, DATA_DIR: dataDir }, encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const [intro, customerAnswer, auditorAnswer, billingRunAnswer] = run.stdout.split('--- readme-example ---').map((s) => s.trim());
      const [, contractId, customerId] = /^contract (\S+) of customer (\S+)$/.exec(intro)!;
      const keys = JSON.parse(readFileSync(join(dataDir, 'demo-keys.json'), 'utf8'));
      expect(contractId).toBe(keys.sampleContractId);

      const customerKey = JSON.parse(customerAnswer);
      expect(customerKey).toMatchObject({ role: 'customer', customerId, contractIds: null, name: 'customer portal' });
      const mine = await request(base).get('/v1/contracts?limit=100').set('Authorization', `Bearer ${customerKey.secret}`).expect(200);
      expect(mine.body.data.length).toBeGreaterThan(0);
      expect(mine.body.data.every((c: any) => c.customerId === customerId)).toBe(true);

      const auditorKey = JSON.parse(auditorAnswer);
      expect(auditorKey).toMatchObject({ role: 'auditor', customerId: null, contractIds: [contractId], name: 'external auditor' });
      const seen = await request(base).get('/v1/contracts?limit=100').set('Authorization', `Bearer ${auditorKey.secret}`).expect(200);
      expect(seen.body.data.map((c: any) => c.id)).toEqual([contractId]);
      await request(base).post('/v1/customers').set('Authorization', `Bearer ${auditorKey.secret}`).send({ name: 'x' }).expect(403);

      // The billing run, queued and worked by the service itself, followed until completed.
      const billingRun = JSON.parse(billingRunAnswer);
      expect(billingRun).toMatchObject({ period: '2026-03', status: 'completed', contractIds: [contractId] });
      expect(billingRun.results.map((r: any) => r.contractId)).toEqual([contractId]);
    } finally {
      expect(await stop(started.proc)).toBe(0);
    }
  }, 240_000);
});
