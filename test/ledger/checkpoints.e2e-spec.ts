jest.setTimeout(180_000);

import { execFileSync } from 'node:child_process';
import { verifyBundle, type VerifyReport } from '../../src/audit/verify-bundle';
import { entryHash, type ChainEntryContent } from '../../src/ledger/chain';
import { checkpointSignatureValid } from '../../src/ledger/checkpoint';
import { LedgerVerifyCommand } from '../../src/ledger/ledger.commands';
import { entries } from '../audit/bundle-files';
import { binary, saveTo, tempDir } from '../reports/support';
import { customerWithContract, issueKey } from '../support/fixtures';
import { tamper, tamperings } from '../support/tamper';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

const failures = (r: VerifyReport) => r.checks.filter((c) => c.status === 'fail').map((c) => `${c.subject}: ${c.message}`);

/**
 * Signed checkpoints: what makes the chain tamper-evident to someone who holds the database
 * password. An unkeyed chain can be recomputed; a checkpoint the customer kept cannot be re-signed.
 */
describe('ledger checkpoints', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let customer: KeyedClient;
  let vendorId: string;
  let invoiceId: string;
  let publicKeyPem: string;
  const dir = tempDir('ol-checkpoints-');

  const pay = (ref: string) => vendor.post(`/v1/invoices/${invoiceId}/payments`, { amount: '1.00', paidOn: '2026-04-10', reference: ref }).expect(201);
  const latest = async (who = customer) => (await who.get('/v1/ledger/checkpoints/latest').expect(200)).body;
  const verifyAgainst = (checkpoint: unknown, who = customer) => who.post('/v1/ledger/verify', { checkpoint });

  beforeAll(async () => {
    t = await createTestApp({ validateResponses: true }); // every answer held to /openapi.json
    const v = await t.createVendor('Checkpoint vendor');
    vendorId = v.vendorId;
    vendor = t.as(v.adminKey);
    const c = await customerWithContract(vendor, {
      currency: 'USD',
      timezone: 'UTC',
      taxRate: '0',
      terms: { components: [{ type: 'usage', metric: 'query', unitPrice: '1.00', per: '1', verification: 'auto' }] },
    });
    customer = t.as(await issueKey(vendor, { role: 'customer', customerId: c.customerId }));
    await vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: 'q-1', type: 'query', quantity: '100', occurredAt: '2026-03-10T00:00:00Z' }).expect(201);
    await runBilling(vendor, { period: '2026-03', contractIds: [c.contractId] });
    const draft = (await vendor.get(`/v1/invoices?contractId=${c.contractId}`).expect(200)).body.data[0];
    invoiceId = (await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200)).body.id;
    publicKeyPem = (await vendor.get('/v1/vendor/signing-key').expect(200)).body.publicKeyPem;
  });
  afterAll(() => t?.close());

  it('signs the head once per sequence with the vendor’s published key, for customers too', async () => {
    const head = (await vendor.get('/v1/ledger/verify').expect(200)).body;
    const c = await latest();
    expect(c).toMatchObject({ format: 'outcome-ledger-checkpoint/1', vendorId, sequence: '1', hash: head.headHash, algorithm: 'Ed25519' });
    expect(checkpointSignatureValid(c, publicKeyPem)).toBe(true);
    expect(await latest(vendor)).toEqual(c); // not re-signed
    await pay('p-1');
    const next = await latest();
    expect(next.sequence).toBe('2');
    const list = (await customer.get('/v1/ledger/checkpoints').expect(200)).body.data;
    expect(list.map((x: { sequence: string }) => x.sequence)).toEqual(['2', '1']);
  });

  it('proves the current chain extends a checkpoint kept earlier', async () => {
    const kept = (await customer.get('/v1/ledger/checkpoints').expect(200)).body.data.find((x: { sequence: string }) => x.sequence === '1');
    const r = (await verifyAgainst(kept).expect(200)).body;
    expect(r).toMatchObject({ ok: true, entries: 2, checkpoint: { sequence: '1', hash: kept.hash, extended: true } });
    expect(r.checkpoints).toBeGreaterThanOrEqual(2);
  });

  it('prints the checkpoint on the customer’s statement (JSON, CSV and PDF); the statement’s copy verifies later', async () => {
    const contractId = (await vendor.get(`/v1/invoices/${invoiceId}`).expect(200)).body.contractId;
    const st = (await customer.get(`/v1/contracts/${contractId}/statements/2026-03`).expect(200)).body;
    expect(checkpointSignatureValid(st.ledgerCheckpoint, publicKeyPem)).toBe(true);
    expect(st.ledgerCheckpoint).toEqual(await latest());
    const csv = (await customer.get(`/v1/contracts/${contractId}/statements/2026-03.csv`).expect(200)).text;
    expect(csv).toContain(`summary,ledger_checkpoint_hash,${st.ledgerCheckpoint.hash}`);
    const pdf = saveTo(dir, 'statement.pdf', (await customer.get(`/v1/contracts/${contractId}/statements/2026-03.pdf`).buffer(true).parse(binary).expect(200)).body);
    const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
    expect(text).toContain(`journal entry ${st.ledgerCheckpoint.sequence}`);
    expect(text.replace(/\s+/g, '')).toContain(st.ledgerCheckpoint.hash);
    await pay('p-statement');
    expect((await verifyAgainst(st.ledgerCheckpoint).expect(200)).body).toMatchObject({ ok: true, checkpoint: { extended: true } });
  });

  it('refuses a checkpoint that is forged, malformed or another vendor’s (422, nothing signed)', async () => {
    const kept = await latest();
    // (the statement test above moved the head to 3)
    const before = await t.db.query(`SELECT count(*)::int AS n FROM ledger_checkpoints WHERE vendor_id = $1`, [vendorId]);
    const forged = await verifyAgainst({ ...kept, hash: 'f'.repeat(64) }).expect(422);
    expect(forged.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(forged.body.code).toBe('CHECKPOINT_SIGNATURE_INVALID');
    expect((await verifyAgainst({ ...kept, sequence: 'x' }).expect(422)).body).toMatchObject({ code: 'CHECKPOINT_INVALID' });
    expect((await verifyAgainst('not an object').expect(422)).body.errors).toContainEqual(expect.objectContaining({ field: 'checkpoint' }));
    const other = await t.createVendor('Other vendor');
    const theirs = await latest(t.as(other.adminKey));
    expect((await verifyAgainst(theirs).expect(422)).body).toMatchObject({ code: 'CHECKPOINT_INVALID', errors: [{ field: 'checkpoint.vendorId' }] });
    const after = await t.db.query(`SELECT count(*)::int AS n FROM ledger_checkpoints WHERE vendor_id = $1`, [vendorId]);
    expect(after).toEqual(before);
  });

  it('catches the owner who rewrites the last entry with a recomputed hash and moves the head', async () => {
    await pay('p-2');
    const kept = await latest(); // the customer keeps this one
    expect(kept.sequence).toBe('4');
    const bundleBefore = saveTo(dir, 'before.zip', (await vendor.get('/v1/evidence').buffer(true).parse(binary).expect(200)).body);
    const manifest = JSON.parse((await entries(bundleBefore)).find(([n]) => n === 'manifest.json')![1].toString('utf8'));
    expect(manifest.ledgerCheckpoint).toEqual(kept);

    // The insider: rewrite entry 3's content, recompute its hash over the real previous hash, move the head.
    const last = (await vendor.get('/v1/ledger/entries?limit=1').expect(200)).body.data[0];
    const content: ChainEntryContent = {
      vendorId,
      sequence: last.sequence,
      kind: last.kind,
      reference: last.reference,
      contractId: last.contractId,
      customerId: last.customerId,
      description: 'Payment (rewritten)',
      effectiveAt: last.effectiveAt,
      lines: last.lines.map((l: Record<string, string | null>) => ({ account: l.account, currency: l.currency, debit: l.debit, credit: l.credit, memo: l.memo })),
    };
    const forgedHash = entryHash(last.prevHash, content);
    expect(await tamperings.rewriteJournalEntry(t.databaseUrl, vendorId, last.id, { description: content.description, hash: forgedHash })).toBe(1);
    expect(await tamperings.moveLedgerHead(t.databaseUrl, vendorId, 4, forgedHash)).toBe(1);

    // The stored checkpoint still holds the chain: verify names the rewritten entry, and nothing new is signed over it.
    const stored = (await vendor.get('/v1/ledger/verify').expect(200)).body;
    expect(stored).toMatchObject({ ok: false, firstBroken: { sequence: '4', entryId: last.id, reason: 'checkpoint_mismatch' } });
    expect((await customer.get('/v1/ledger/checkpoints/latest').expect(409)).body.code).toBe('CHECKPOINT_DIVERGES');

    // A thorough insider also deletes the stored checkpoints: the unkeyed chain then verifies …
    await tamper(t.databaseUrl, `DELETE FROM ledger_checkpoints WHERE vendor_id = $1`, [vendorId]);
    expect((await vendor.get('/v1/ledger/verify').expect(200)).body).toMatchObject({ ok: true, entries: 4, headHash: forgedHash });
    // … but not against the checkpoint the customer kept.
    const r = (await verifyAgainst(kept).expect(200)).body;
    expect(r).toMatchObject({ ok: false, firstBroken: { sequence: '4', reason: 'checkpoint_mismatch' }, checkpoint: { sequence: '4', extended: false } });

    // The operator's CLI says the same, exit code 1.
    const keptFile = saveTo(dir, 'kept.json', Buffer.from(JSON.stringify(kept)));
    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (out.push(String(chunk)), true));
    const exitBefore = process.exitCode;
    try {
      await t.app.get(LedgerVerifyCommand).run([], { vendor: vendorId, checkpoint: keptFile });
      expect(process.exitCode).toBe(1);
    } finally {
      write.mockRestore();
      process.exitCode = exitBefore;
    }
    expect(out.join('')).toContain(`BROKEN at sequence 4 (entry ${last.id}): checkpoint_mismatch`);
    expect(out.join('')).toContain(`the chain does NOT extend the checkpoint of entry 4 signed ${kept.signedAt}`);

    // Offline too: a bundle exported now verifies on its own, and fails against the kept checkpoint.
    const bundleAfter = saveTo(dir, 'after.zip', (await vendor.get('/v1/evidence').buffer(true).parse(binary).expect(200)).body);
    expect(failures(await verifyBundle(bundleAfter, { publicKeyPem }))).toEqual([]);
    const held = await verifyBundle(bundleAfter, { publicKeyPem, checkpoints: [kept] });
    expect(held.ok).toBe(false);
    expect(held.firstMismatch).toMatch(/^ledger\/entries\.jsonl: entry 4 .*checkpoint 1 \(entry 4, signed .*\) signed: history was rewritten$/);
    // The bundle from before extends the kept checkpoint.
    const ok = await verifyBundle(bundleBefore, { publicKeyPem, checkpoints: [kept] });
    expect(failures(ok)).toEqual([]);
    expect(ok.checks).toContainEqual(expect.objectContaining({ status: 'ok', subject: 'checkpoint', message: expect.stringMatching(/^checkpoint 1 .*the chain extends it/) }));
  });

  it('catches a head moved back before a kept checkpoint, and a stored checkpoint nobody signed', async () => {
    const v = await t.createVendor('Cut-back vendor');
    const admin = t.as(v.adminKey);
    const c = await customerWithContract(admin, {
      currency: 'USD',
      timezone: 'UTC',
      taxRate: '0',
      terms: { components: [{ type: 'usage', metric: 'query', unitPrice: '1.00', per: '1', verification: 'auto' }] },
    });
    await admin.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: 'q', type: 'query', quantity: '5', occurredAt: '2026-03-10T00:00:00Z' }).expect(201);
    await runBilling(admin, { period: '2026-03', contractIds: [c.contractId] });
    const draft = (await admin.get(`/v1/invoices?contractId=${c.contractId}`).expect(200)).body.data[0];
    const inv = (await admin.post(`/v1/invoices/${draft.id}/finalize`).expect(200)).body.id;
    const first = (await admin.get('/v1/ledger/checkpoints/latest').expect(200)).body;
    await admin.post(`/v1/invoices/${inv}/payments`, { amount: '1.00', paidOn: '2026-04-10', reference: 'x' }).expect(201);
    const kept = (await admin.get('/v1/ledger/checkpoints/latest').expect(200)).body;
    const [e2] = await t.db.query(`SELECT id FROM journal_entries WHERE vendor_id = $1 AND sequence = 2`, [v.vendorId]);
    await tamper(t.databaseUrl, `DELETE FROM ledger_checkpoints WHERE vendor_id = $1 AND sequence = 2`, [v.vendorId]);
    await tamperings.deleteJournalEntry(t.databaseUrl, v.vendorId, e2.id);
    await tamperings.moveLedgerHead(t.databaseUrl, v.vendorId, 1, first.hash);
    expect((await admin.get('/v1/ledger/verify').expect(200)).body.ok).toBe(true);
    expect((await admin.post('/v1/ledger/verify', { checkpoint: kept }).expect(200)).body).toMatchObject({
      ok: false,
      firstBroken: { sequence: '2', entryId: null, reason: 'checkpoint_beyond_head' },
      checkpoint: { extended: false },
    });
    // A checkpoint row written with the database password but without the key is itself caught.
    await tamper(t.databaseUrl, `INSERT INTO ledger_checkpoints SELECT vendor_id, 5, hash, signed_at, key_id, public_key_fingerprint, signature FROM ledger_checkpoints WHERE vendor_id = $1 AND sequence = 1`, [v.vendorId]);
    expect((await admin.get('/v1/ledger/verify').expect(200)).body).toMatchObject({ ok: false, firstBroken: { sequence: '5', reason: 'checkpoint_signature_invalid' } });
  });
});
