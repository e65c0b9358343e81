// The auditor's path, end to end: the verifier package is built from the sources, packed as it
// would be published, installed from its tarball into an empty folder with no checkout around it
// (its dependencies come from the npm cache), and run on a bundle the service exported.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { InvoiceDocument } from '../../src/audit/bundle-format';
import { projectRoot } from '../../src/common/project-root';
import { sha256Hex } from '../../src/kernel/canonical-json';
import { SigningKeysService } from '../../src/parties/signing-keys.service';
import { engineRelease, ENGINE_VERSION, VERIFIER_PACKAGE } from '../../src/pricing/version';
import { entries, replace, resigned, rezip, type BundleFiles } from './bundle-files';
import { binary, saveTo, seedVendor, tempDir, type SeededVendor } from '../reports/support';
import { createTestApp, TestApp } from '../support/test-app';

const run = promisify(execFile);

/** What an auditor's shell has: no database, no project variables, no npm lifecycle state of this checkout. */
function auditorEnv(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'NODE_EXTRA_CA_CERTS', 'npm_config_cache', 'npm_config_registry', 'npm_config_userconfig'];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

/** Packs packages/verify (its prepack builds dist/ from src/) and installs the tarball into an empty folder. */
async function installPackedVerifier(dir: string): Promise<string> {
  const env = auditorEnv();
  const { stdout } = await run('npm', ['pack', '--pack-destination', dir, '--json'], { cwd: join(projectRoot(), 'packages', 'verify'), env });
  const tarball = join(dir, JSON.parse(stdout.slice(stdout.indexOf('[')))[0].filename);
  const home = join(dir, 'auditor');
  mkdirSync(home);
  // A package.json of its own: npm would otherwise look upwards for a project to install into.
  writeFileSync(join(home, 'package.json'), JSON.stringify({ name: 'auditor', private: true }));
  await run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: home, env });
  return home;
}

describe('the packed verifier (@outcome-ledger/verify), installed from its tarball', () => {
  let t: TestApp;
  let seeded: SeededVendor;
  let home: string;
  let bundle: string;
  let publicKeyFile: string;
  let signWithVendorKey: (data: Buffer) => Buffer;
  const dir = tempDir('ol-packed-verifier-');

  /** The installed bin, run the way `npx @outcome-ledger/verify` runs it, from the auditor's folder. */
  const verify = (...args: string[]) =>
    spawnSync(join(home, 'node_modules', '.bin', 'outcome-ledger-verify'), args, { cwd: home, env: auditorEnv(), encoding: 'utf8' });

  beforeAll(async () => {
    const installed = installPackedVerifier(dir);
    t = await createTestApp();
    seeded = await seedVendor(t, ['credit-risk']);
    const key = await seeded.vendor.get('/v1/vendor/signing-key').expect(200);
    publicKeyFile = saveTo(dir, 'vendor.pem', Buffer.from(key.body.publicKeyPem));
    signWithVendorKey = (await t.app.get(SigningKeysService).signer(seeded.vendorId)).sign;
    const c = seeded.contracts.get('credit-risk')!;
    const res = await c.customer.get(`/v1/contracts/${c.contractId}/evidence`).buffer(true).parse(binary).expect(200);
    bundle = saveTo(dir, 'credit-risk.zip', res.body);
    home = await installed;
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs with the engine’s few libraries only, at the engine’s release number', () => {
    const modules = readdirSync(join(home, 'node_modules')).filter((n) => !n.startsWith('.'));
    expect(modules.sort()).toEqual(['@outcome-ledger', 'commander', 'csv-parse', 'decimal.js', 'pend', 'yauzl']);
    const pkg = JSON.parse(readFileSync(join(home, 'node_modules', VERIFIER_PACKAGE, 'package.json'), 'utf8'));
    expect(pkg.version).toBe(engineRelease(ENGINE_VERSION));
    expect(existsSync(join(home, 'node_modules', VERIFIER_PACKAGE, 'dist', 'pricing', 'engine.js'))).toBe(true);
    expect(verify('--version').stdout.trim()).toBe(engineRelease(ENGINE_VERSION));
  });

  it('names itself in the bundle, and each invoice names the engine that priced it', async () => {
    const files = await entries(bundle);
    const readme = files.find(([n]) => n === 'README.txt')![1].toString('utf8');
    expect(readme).toContain(`npx ${VERIFIER_PACKAGE}@${engineRelease(ENGINE_VERSION)} <this file.zip> --public-key vendor-public-key.pem`);
    expect(readme).not.toContain('outcome-ledger verify-bundle');
    const invoices = files.filter(([n]) => n.startsWith('invoices/'));
    expect(invoices.length).toBeGreaterThan(0);
    for (const [, body] of invoices) expect(JSON.parse(body.toString('utf8'))).toMatchObject({ engineVersion: ENGINE_VERSION });
  });

  it('verifies the exported bundle with the vendor’s published key, run as the README says (npx): exit 0', () => {
    // --no: run the installed package, never fetch one.
    const ok = spawnSync('npx', ['--no', VERIFIER_PACKAGE, bundle, '--public-key', publicKeyFile], { cwd: home, env: auditorEnv(), encoding: 'utf8' });
    expect(ok.stdout).toContain('RESULT: VERIFIED');
    expect(ok.stdout).toMatch(/✓ invoices: \d+ invoice\(s\) recomputed with the pricing engine: all match/);
    expect(ok.status).toBe(0);
  });

  it('holds the bundle to a checkpoint the auditor kept (--checkpoint), and refuses a forged one', async () => {
    const kept = (await seeded.vendor.get('/v1/ledger/checkpoints/latest').expect(200)).body;
    const keptFile = saveTo(dir, 'kept.json', Buffer.from(JSON.stringify(kept)));
    const ok = verify(bundle, '--public-key', publicKeyFile, '--checkpoint', keptFile);
    expect(ok.stdout).toMatch(/✓ checkpoint: checkpoint 1 \(entry \d+, signed .*\): the chain extends it/);
    expect(ok.status).toBe(0);
    const forgedFile = saveTo(dir, 'forged.json', Buffer.from(JSON.stringify({ ...kept, hash: 'f'.repeat(64) })));
    const bad = verify(bundle, '--public-key', publicKeyFile, '--checkpoint', forgedFile);
    expect(bad.stdout).toContain('checkpoint 1: its signature does not verify');
    expect(bad.status).toBe(1);
  });

  it('refuses a tampered bundle, naming the file: exit 1', async () => {
    const files = await entries(bundle);
    const csv = Buffer.from(files.find(([n]) => n === 'outcomes.csv')![1]);
    csv[csv.length - 3] ^= 0x01;
    const tampered = await rezip(replace(files, 'outcomes.csv', csv), join(dir, 'tampered.zip'));
    const bad = verify(tampered, '--public-key', publicKeyFile);
    expect(bad.stdout).toMatch(/RESULT: FAILED — first mismatch: outcomes\.csv: SHA-256/);
    expect(bad.status).toBe(1);
  });

  it('refuses a bundle priced by another engine release, naming the verifier to install: exit 1', async () => {
    // The vendor's own signature over invoices priced by an (imagined) older engine: authentic, just not this verifier's to recompute.
    const older = 'outcome-ledger-pricing/0.9.0';
    const files: BundleFiles = (await entries(bundle)).map(([name, body]) => {
      if (!name.startsWith('invoices/')) return [name, body];
      const doc: InvoiceDocument = JSON.parse(body.toString('utf8'));
      const traceJson = doc.traceJson.replace(JSON.stringify(ENGINE_VERSION), JSON.stringify(older));
      return [name, Buffer.from(JSON.stringify({ ...doc, engineVersion: older, traceJson, traceDigest: sha256Hex(traceJson) }, null, 2))];
    });
    const file = await rezip(resigned(files, signWithVendorKey), join(dir, 'older-engine.zip'));
    const numbers = files
      .filter(([n]) => n.startsWith('invoices/'))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, b]) => JSON.parse(b.toString('utf8')).number);

    const refused = verify(file, '--public-key', publicKeyFile, '--json');
    expect(refused.status).toBe(1);
    const report = JSON.parse(refused.stdout);
    const install = `bundle priced with engine 0.9.0; this verifier is ${engineRelease(ENGINE_VERSION)} — install ${VERIFIER_PACKAGE}@0.9.0`;
    expect(report).toMatchObject({ ok: false, originProven: true, firstMismatch: `engine: ${install} (to recompute ${numbers.join(', ')})` });
    expect(report.checks.filter((c: { status: string }) => c.status === 'fail').map((c: { subject: string; message: string }) => c.message)).toEqual([
      `${install} (to recompute ${numbers.join(', ')})`,
      ...numbers.map(() => 'not recomputed: priced with engine 0.9.0'),
    ]);
    expect(verify(file, '--public-key', publicKeyFile).stdout).toContain(`RESULT: FAILED — first mismatch: engine: ${install}`);
  });
});
