import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { BundleManifest } from '../../src/audit/bundle-format';
import { GrantSecretColumnsToServiceRole1765300000500 } from '../../migrations/1765300000500-grant-secret-columns-to-service-role';
import { verifyBundle } from '../../src/audit/verify-bundle';
import { ZipReader } from '../../src/audit/zip-reader';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { projectRoot } from '../../src/common/project-root';
import { SecretBox } from '../../src/secrets/secret-box';
import { SigningKeysService } from '../../src/parties/signing-keys.service';
import { issueKey } from '../support/fixtures';
import { everyRowAsText } from '../support/database-text';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { binary, saveTo, tempDir } from '../reports/support';

/** The PEM's base64 body lines: what a plaintext key in any column or JSON would contain. */
const pemBody = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'));

describe('vendor signing keys: encrypted at rest, rotated, old bundles still verify', () => {
  let t: TestApp;
  const dir = tempDir('ol-keys-');

  async function bundle(client: KeyedClient, name: string): Promise<{ file: string; manifest: BundleManifest }> {
    const res = await client.get('/v1/evidence').buffer(true).parse(binary).expect(200);
    const file = saveTo(dir, name, res.body);
    const zip = await ZipReader.open(file);
    const manifest = JSON.parse((await zip.read('manifest.json')).toString('utf8'));
    zip.close();
    return { file, manifest };
  }

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rotation makes a new active key; old public keys stay listed with their validity; each bundle names its key and verifies with it', async () => {
    const { adminKey } = await t.createVendor();
    const vendor = t.as(adminKey);
    const [first] = (await vendor.get('/v1/vendor/signing-keys').expect(200)).body.data;
    expect(first).toMatchObject({ keyId: expect.any(String), algorithm: 'Ed25519', validUntil: null, active: true, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await vendor.get('/v1/vendor/signing-key').expect(200)).body).toEqual(first);

    const old = await bundle(vendor, 'before.zip');
    expect(old.manifest.signature).toMatchObject({ keyId: first.keyId, publicKeyFingerprint: first.fingerprint });

    const rotated = await vendor.post('/v1/vendor/signing-keys/rotate').expect(201);
    expect(rotated.body).toMatchObject({ active: true, validUntil: null });
    expect(rotated.body.keyId).not.toBe(first.keyId);
    expect(rotated.body.publicKeyPem).not.toBe(first.publicKeyPem);
    const listed = (await vendor.get('/v1/vendor/signing-keys').expect(200)).body.data;
    expect(listed.map((k: any) => [k.keyId, k.active])).toEqual([
      [rotated.body.keyId, true],
      [first.keyId, false],
    ]);
    expect(listed[1].validUntil).toBe(rotated.body.validFrom);
    expect(listed[1].publicKeyPem).toBe(first.publicKeyPem);
    expect((await vendor.get('/v1/vendor/signing-key').expect(200)).body.keyId).toBe(rotated.body.keyId);

    const fresh = await bundle(vendor, 'after.zip');
    expect(fresh.manifest.signature).toMatchObject({ keyId: rotated.body.keyId, publicKeyFingerprint: rotated.body.fingerprint });
    expect((await verifyBundle(old.file, { publicKeyPem: first.publicKeyPem })).ok).toBe(true);
    expect((await verifyBundle(fresh.file, { publicKeyPem: rotated.body.publicKeyPem })).ok).toBe(true);
    // Keys are not interchangeable: the old bundle does not verify with the new key.
    const crossed = await verifyBundle(old.file, { publicKeyPem: rotated.body.publicKeyPem });
    expect(crossed.ok).toBe(false);
    expect(crossed.firstMismatch).toContain('manifest.sig');
  });

  it('lets every role of the vendor read the keys and only its admin rotate; another vendor sees only its own', async () => {
    const { vendorId, adminKey } = await t.createVendor();
    const vendor = t.as(adminKey);
    const auditor = t.as(await issueKey(vendor, { role: 'auditor' }));
    const customerId = (await vendor.post('/v1/customers', { name: 'Acme' }).expect(201)).body.id;
    const customer = t.as(await issueKey(vendor, { role: 'customer', customerId }));
    const before = (await vendor.get('/v1/vendor/signing-keys').expect(200)).body.data;
    expect((await auditor.get('/v1/vendor/signing-keys').expect(200)).body.data).toEqual(before);
    expect((await customer.get('/v1/vendor/signing-keys').expect(200)).body.data).toEqual(before);
    await auditor.post('/v1/vendor/signing-keys/rotate').expect(403);
    await customer.post('/v1/vendor/signing-keys/rotate').expect(403);
    const other = t.as((await t.createVendor('Other')).adminKey);
    await other.post('/v1/vendor/signing-keys/rotate').expect(201);
    expect((await vendor.get('/v1/vendor/signing-keys').expect(200)).body.data).toEqual(before);
    expect(await t.db.query(`SELECT count(*)::int AS n FROM vendor_signing_keys WHERE vendor_id = $1`, [vendorId])).toEqual([{ n: 1 }]);
  });

  it('two rotations at once leave exactly one active key', async () => {
    const { vendorId, adminKey } = await t.createVendor();
    const vendor = t.as(adminKey);
    const results = await Promise.all([1, 2, 3].map(() => vendor.post('/v1/vendor/signing-keys/rotate')));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
    const keys = (await vendor.get('/v1/vendor/signing-keys').expect(200)).body.data;
    expect(keys).toHaveLength(4);
    expect(keys.filter((k: any) => k.active)).toHaveLength(1);
    expect(await t.db.query(`SELECT count(*)::int AS n FROM vendor_signing_keys WHERE vendor_id = $1 AND valid_until IS NULL`, [vendorId])).toEqual([{ n: 1 }]);
  });

  it('stores no private key in clear: no table row holds its PEM, and a key is never changed or deleted, only retired', async () => {
    const { vendorId, adminKey } = await t.createVendor();
    await t.as(adminKey).post('/v1/vendor/signing-keys/rotate').expect(201);
    // The private keys, opened the way the service opens them (only the active one opens for signing).
    const box = t.app.get(SecretBox);
    const rows = await t.db.query(`SELECT fingerprint, private_key_envelope FROM vendor_signing_keys WHERE vendor_id = $1`, [vendorId]);
    expect(rows).toHaveLength(2);
    const dump = await everyRowAsText(t);
    for (const r of rows) {
      const pem: string = await box.openText(r.private_key_envelope, `vendor-signing-key:${vendorId}:${r.fingerprint}`);
      expect(pem).toContain('BEGIN PRIVATE KEY');
      for (const line of pemBody(pem)) expect(dump).not.toContain(line);
    }
    expect(dump).not.toContain('PRIVATE KEY');
    expect(await t.db.query(`SELECT signing_public_key, signing_private_key FROM vendors WHERE id = $1`, [vendorId])).toEqual([
      { signing_public_key: null, signing_private_key: null },
    ]);

    await expect(t.db.query(`UPDATE vendor_signing_keys SET public_key_pem = public_key_pem || ' ' WHERE vendor_id = $1`, [vendorId])).rejects.toThrow(/only ever retired/);
    await expect(t.db.query(`UPDATE vendor_signing_keys SET valid_until = NULL WHERE vendor_id = $1 AND valid_until IS NOT NULL`, [vendorId])).rejects.toThrow(/only ever retired/);
    await expect(t.db.query(`DELETE FROM vendor_signing_keys WHERE vendor_id = $1`, [vendorId])).rejects.toThrow(/only ever retired/);
    await expect(t.db.query(`UPDATE vendors SET signing_private_key = 'x' WHERE id = $1`, [vendorId])).rejects.toThrow(/vendors_no_plaintext_signing_key/);
  });

  it('encrypts a vendor’s plaintext key pair from before encryption at rest, once, and bundles keep verifying with that key', async () => {
    const legacy = generateKeyPairSync('ed25519');
    const publicKeyPem = legacy.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const privateKeyPem = legacy.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    // A database as the migration leaves it: the old vendor still has its plaintext columns (the check is NOT VALID for it).
    await t.db.query(`ALTER TABLE vendors DROP CONSTRAINT vendors_no_plaintext_signing_key`);
    const [{ id: vendorId }] = await t.db.query(
      `INSERT INTO vendors (name, signing_public_key, signing_private_key, created_at) VALUES ('Since 2025', $1, $2, '2025-06-01T00:00:00Z') RETURNING id`,
      [publicKeyPem, privateKeyPem],
    );
    await t.db.query(`ALTER TABLE vendors ADD CONSTRAINT vendors_no_plaintext_signing_key CHECK (signing_private_key IS NULL AND signing_public_key IS NULL) NOT VALID`);

    const keys = t.app.get(SigningKeysService);
    expect(await keys.encryptLegacyKeys()).toBe(1);
    expect(await keys.encryptLegacyKeys()).toBe(0);
    await t.db.query(`ALTER TABLE vendors VALIDATE CONSTRAINT vendors_no_plaintext_signing_key`);
    const dump = await everyRowAsText(t);
    for (const line of pemBody(privateKeyPem)) expect(dump).not.toContain(line);

    const admin = t.as(await issueAdminKey(t, vendorId));
    const [key] = (await admin.get('/v1/vendor/signing-keys').expect(200)).body.data;
    expect(key).toMatchObject({ publicKeyPem, validFrom: '2025-06-01T00:00:00.000Z', active: true });
    const b = await bundle(admin, 'legacy.zip');
    expect(b.manifest.signature.keyId).toBe(key.keyId);
    expect((await verifyBundle(b.file, { publicKeyPem })).ok).toBe(true);
  });

  it('grants the least-privilege service role, where it exists, exactly the secret columns it must change', async () => {
    const qr = t.db.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    try {
      // Inside a transaction that rolls back: the role (cluster-wide) is never seen by anyone else.
      await qr.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'outcome_ledger_app') THEN CREATE ROLE outcome_ledger_app; END IF; END $$`);
      await new GrantSecretColumnsToServiceRole1765300000500().up(qr);
      const can = async (table: string, column: string, privilege: string) =>
        (await qr.query(`SELECT has_column_privilege('outcome_ledger_app', $1, $2, $3) AS ok`, [table, column, privilege]))[0].ok;
      expect(await can('vendor_signing_keys', 'valid_until', 'UPDATE')).toBe(true);
      expect(await can('vendor_signing_keys', 'public_key_pem', 'UPDATE')).toBe(false);
      expect(await can('vendor_signing_keys', 'private_key_envelope', 'UPDATE')).toBe(false);
      expect(await can('vendor_signing_keys', 'private_key_envelope', 'INSERT')).toBe(true);
      expect(await can('webhook_endpoints', 'secret_envelope', 'UPDATE')).toBe(true);
      expect(await can('webhook_endpoints', 'url', 'UPDATE')).toBe(false);
      expect(await can('vendors', 'signing_private_key', 'UPDATE')).toBe(true);
      expect(await can('vendors', 'name', 'UPDATE')).toBe(false);
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
  });

  it('a production start without a master key stops with a message naming the settings', () => {
    const env: Record<string, string> = { ...(process.env as Record<string, string>), NODE_ENV: 'production', DATABASE_URL: t.databaseUrl, PORT: '0', LOG_LEVEL: 'silent' };
    delete env.SECRETS_MASTER_KEY;
    delete env.SECRETS_MASTER_KEY_FILE;
    const run = spawnSync('node', ['-r', '@swc-node/register', 'src/main.ts'], { cwd: projectRoot(), env, encoding: 'utf8', timeout: 90_000 });
    expect(run.status).toBe(1);
    expect(run.stderr + run.stdout).toContain('SECRETS_MASTER_KEY or SECRETS_MASTER_KEY_FILE must be set in production');
  }, 120_000);
});

/** An admin key for a vendor created outside VendorsService (the legacy row), through the operator's service. */
async function issueAdminKey(t: TestApp, vendorId: string): Promise<string> {
  return (await t.app.get(ApiKeysService).issue(vendorId, { name: 'operator', role: 'vendor_admin' })).secret;
}
