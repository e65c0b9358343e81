import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { OUTCOME_COLUMNS } from '../../src/audit/bundle-format';
import { verifyBundle, type VerifyReport } from '../../src/audit/verify-bundle';
import { projectRoot } from '../../src/common/project-root';
import { SigningKeysService } from '../../src/parties/signing-keys.service';
import { contentSha256 } from '../../src/outcomes/outcome-rules';
import { entries, remanifest, replace, resigned, rezip } from './bundle-files';
import { binary, saveTo, scenarios, seedVendor, tempDir, type SeededVendor } from '../reports/support';
import { createTestApp, TestApp } from '../support/test-app';

function failures(r: VerifyReport): string[] {
  return r.checks.filter((c) => c.status === 'fail').map((c) => `${c.subject}: ${c.message}`);
}

describe('evidence bundles, verified offline', () => {
  let t: TestApp;
  let seeded: SeededVendor;
  let publicKeyFile: string;
  let signWithVendorKey: (data: Buffer) => Buffer;
  const dir = tempDir('ol-bundle-');
  const bundles = new Map<string, string>();

  beforeAll(async () => {
    t = await createTestApp();
    seeded = await seedVendor(t);
    const key = await seeded.vendor.get('/v1/vendor/signing-key').expect(200);
    expect(key.body).toMatchObject({ algorithm: 'Ed25519', fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
    publicKeyFile = saveTo(dir, 'vendor.pem', Buffer.from(key.body.publicKeyPem));
    // The vendor's own key (an insider who re-signs): opened the way the service opens it.
    signWithVendorKey = (await t.app.get(SigningKeysService).signer(seeded.vendorId)).sign;
  });
  afterAll(() => t.close());

  it.each(scenarios.map((s) => s.id))('exports the %s contract’s bundle and verify-bundle passes it with the vendor’s published key', async (id) => {
    const c = seeded.contracts.get(id)!;
    const res = await c.customer.get(`/v1/contracts/${c.contractId}/evidence`).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="evidence-contract-.*\.zip"/);
    const file = saveTo(dir, `${id}.zip`, res.body);
    bundles.set(id, file);
    const report = await verifyBundle(file, { publicKeyPem: readFileSync(publicKeyFile, 'utf8') });
    expect(failures(report)).toEqual([]);
    expect(report).toMatchObject({ ok: true, originProven: true });
    const invoices = [...seeded.invoices.keys()].filter((k) => k.startsWith(`${id}:`)).length;
    if (invoices) expect(report.checks).toContainEqual({ status: 'ok', subject: 'invoices', message: `${invoices} invoice(s) recomputed with the pricing engine: all match` });
  });

  it('exports the whole vendor as one bundle: every invoice of the seven contracts recomputes, the chain is whole', async () => {
    const res = await seeded.vendor.get('/v1/evidence').buffer(true).parse(binary).expect(200);
    const file = saveTo(dir, 'vendor.zip', res.body);
    const report = await verifyBundle(file, { publicKeyPem: readFileSync(publicKeyFile, 'utf8') });
    expect(failures(report)).toEqual([]);
    expect(report.checks).toContainEqual({ status: 'ok', subject: 'invoices', message: `${seeded.invoices.size} invoice(s) recomputed with the pricing engine: all match` });
    expect(report.checks.find((c) => c.subject === 'ledger')!.message).not.toMatch(/other contracts/);
  });

  it('limits a bundle to a range of periods and still recomputes its invoices', async () => {
    const c = seeded.contracts.get('traffic')!;
    const res = await seeded.vendor.get(`/v1/contracts/${c.contractId}/evidence?from=2026-02&to=2026-02`).buffer(true).parse(binary).expect(200);
    const file = saveTo(dir, 'traffic-feb.zip', res.body);
    const report = await verifyBundle(file, { publicKeyPem: readFileSync(publicKeyFile, 'utf8') });
    expect(failures(report)).toEqual([]);
    expect(report.checks.filter((c) => /^INV-/.test(c.subject))).toHaveLength(1);
    const bad = await seeded.vendor.get(`/v1/contracts/${c.contractId}/evidence?from=2026-03&to=2026-02`).expect(422);
    expect(bad.body).toMatchObject({ code: 'RANGE_INVALID', errors: [{ field: 'from' }] });
  });

  it('fails a bundle with one byte flipped in any file, naming that file', async () => {
    const original = await entries(bundles.get('inspection')!);
    for (const [name, body] of original) {
      const flipped = Buffer.from(body);
      flipped[Math.floor(flipped.length / 2)] ^= 0x01;
      const file = await rezip(replace(original, name, flipped), join(dir, `flip-${name.replace(/\W/g, '_')}.zip`));
      const report = await verifyBundle(file, { publicKeyPem: readFileSync(publicKeyFile, 'utf8') });
      expect(report.ok).toBe(false);
      if (name === 'manifest.json') expect(report.firstMismatch).toMatch(/^manifest\.(json|sig)/);
      else if (name === 'manifest.sig') expect(report.firstMismatch).toMatch(/^manifest\.sig: signature of manifest.json does not verify/);
      else expect(report.firstMismatch).toMatch(new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: SHA-256 .* ≠ manifest`));
    }
  });

  /** outcomes.csv with one savings outcome worth more than it was verified at (content hash recomputed to match). */
  function inflatedOutcomes(files: Array<[string, Buffer]>): Buffer {
    const rows: Array<Record<string, string>> = parse(files.find(([n]) => n === 'outcomes.csv')![1], { columns: true });
    const row = rows.find((r) => r.external_id === 'sav-2026-03-L1')!;
    row.value = '400010';
    row.content_sha256 = contentSha256({
      type: row.type,
      quantity: row.quantity || null,
      value: row.value,
      occurredAt: row.occurred_at,
      dimensions: JSON.parse(row.dimensions),
      evidenceSha256: row.evidence_sha256 || null,
      evidenceUri: row.evidence_uri || null,
      correctsOutcomeId: row.corrects_outcome_id || null,
    });
    return Buffer.from(stringify(rows, { header: true, columns: [...OUTCOME_COLUMNS] }));
  }

  it('fails a bundle whose outcome was changed and whose manifest was rebuilt without a valid signature', async () => {
    const original = await entries(bundles.get('inspection')!);
    const changed = replace(original, 'outcomes.csv', inflatedOutcomes(original));
    const file = await rezip(replace(changed, 'manifest.json', remanifest(changed)), join(dir, 'resigned-none.zip'));
    const report = await verifyBundle(file, { publicKeyPem: readFileSync(publicKeyFile, 'utf8') });
    expect(report.ok).toBe(false);
    expect(report.firstMismatch).toMatch(/^manifest\.sig: signature of manifest\.json does not verify/);
  });

  it('fails a bundle re-signed by another key, even when that key is put inside the bundle', async () => {
    const original = await entries(bundles.get('inspection')!);
    const changed = replace(original, 'outcomes.csv', inflatedOutcomes(original));
    const other = generateKeyPairSync('ed25519');
    const otherPem = other.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    let files = replace(changed, 'public-key.pem', Buffer.from(otherPem));
    const m = JSON.parse(remanifest(files).toString('utf8'));
    m.signature.publicKeyFingerprint = createHash('sha256').update(other.publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
    const manifest = Buffer.from(JSON.stringify(m, null, 2) + '\n');
    files = replace(replace(files, 'manifest.json', manifest), 'manifest.sig', Buffer.from(sign(null, manifest, other.privateKey).toString('base64') + '\n'));
    const file = await rezip(files, join(dir, 'resigned-other.zip'));
    const withVendorKey = await verifyBundle(file, { publicKeyPem: readFileSync(publicKeyFile, 'utf8') });
    expect(withVendorKey.ok).toBe(false);
    expect(withVendorKey.firstMismatch).toMatch(/^manifest\.sig: signature of manifest\.json does not verify with key .* \(given with --public-key\)/);
    // Trusting the key inside the bundle: the signature checks, but the invoice no longer adds up.
    const trusting = await verifyBundle(file);
    expect(trusting.originProven).toBe(false);
    // The vendor's checkpoint of the head no longer verifies either: it was signed by the key that was swapped out.
    expect(trusting.firstMismatch).toBe('manifest.json ledgerCheckpoint: its signature does not verify with the vendor’s key');
    expect(failures(trusting)).toContainEqual(expect.stringMatching(/^invoices\/INV-\d{4}-\d{6}\.json: total 265000 ≠ recomputed 265001\.06/));
  });

  it('fails a bundle re-signed with the vendor’s own key when an outcome changed, naming the invoice', async () => {
    const original = await entries(bundles.get('inspection')!);
    const changed = replace(original, 'outcomes.csv', inflatedOutcomes(original));
    const files = resigned(changed, signWithVendorKey);
    const file = await rezip(files, join(dir, 'resigned-vendor.zip'));
    const report = await verifyBundle(file, { publicKeyPem: readFileSync(publicKeyFile, 'utf8') });
    const number = seeded.invoices.get('inspection:2026-03').number;
    expect(failures(report)).toEqual([expect.stringMatching(new RegExp(`^invoices/${number}\\.json: total 265000 ≠ recomputed 265001\\.06 \\(and \\d+ more figure\\(s\\)\\)$`))]);
  });

  it('fails a bundle whose invoice line was changed beside an intact total and trace, naming the line', async () => {
    const original = await entries(bundles.get('inspection')!);
    const number = seeded.invoices.get('inspection:2026-03').number;
    const path = `invoices/${number}.json`;
    const doc = JSON.parse(original.find(([n]) => n === path)![1].toString('utf8'));
    doc.lines[0].description = `${doc.lines[0].description} (edited)`;
    const files = resigned(replace(original, path, Buffer.from(JSON.stringify(doc, null, 2) + '\n')), signWithVendorKey);
    const report = await verifyBundle(await rezip(files, join(dir, 'line-edited.zip')), { publicKeyPem: readFileSync(publicKeyFile, 'utf8') });
    expect(failures(report)).toEqual([expect.stringMatching(new RegExp(`^${path.replace('.', '\\.')}: lines\\[0\\]\\.description .* \\(edited\\) ≠ recomputed `))]);
  });

  it('runs as the package’s bin, offline: exit 0 and a readable report when it matches, exit 1 naming the mismatch', () => {
    const root = projectRoot();
    const ok = spawnSync('node', ['bin/outcome-ledger.js', 'verify-bundle', bundles.get('credit-risk')!, '--public-key', publicKeyFile], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: 'postgres://nowhere.invalid:1/none' },
    });
    expect(ok.stdout).toContain('RESULT: VERIFIED');
    expect(ok.stdout).toMatch(/✓ files: \d+ files match the manifest/);
    expect(ok.status).toBe(0);

    const original = readFileSync(bundles.get('credit-risk')!);
    writeFileSync(join(dir, 'copy.zip'), original);
    const tampered = join(dir, 'flip-outcomes-bin.zip');
    return entries(join(dir, 'copy.zip'))
      .then((files) => {
        const csv = Buffer.from(files.find(([n]) => n === 'outcomes.csv')![1]);
        csv[csv.length - 3] ^= 0x01;
        return rezip(replace(files, 'outcomes.csv', csv), tampered);
      })
      .then(() => {
        const bad = spawnSync('npx', ['outcome-ledger', 'verify-bundle', tampered], { cwd: root, encoding: 'utf8' });
        expect(bad.stdout).toMatch(/RESULT: FAILED — first mismatch: outcomes\.csv: SHA-256/);
        expect(bad.stdout).toContain('checked only against the key inside the bundle');
        expect(bad.status).toBe(1);
      });
  });
});
