import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DomainException } from '../../src/common/errors/domain-exception';
import { LedgerVerifyCommand } from '../../src/ledger/ledger.commands';
import { JournalEntryInput, LedgerService } from '../../src/ledger/ledger.service';
import { customerWithContract, issueKey } from '../support/fixtures';
import { invoiceFinalizedEntry } from '../support/journal-entries';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';

const run = promisify(execFile);

interface Party {
  vendorId: string;
  vendor: KeyedClient;
  customerId: string;
  contractId: string;
}

/** Finalize: debit the receivable, credit revenue and tax (amounts in CNY). */
const finalizeEntry = (p: Party, ref: string, net: string, tax: string, total: string) => invoiceFinalizedEntry(p, ref, net, tax, total, 'queries');

function paymentEntry(p: Party, ref: string, amount: string): JournalEntryInput {
  return {
    kind: 'payment',
    reference: { type: 'payment', id: ref },
    contractId: p.contractId,
    customerId: p.customerId,
    description: `Payment ${ref}`,
    effectiveAt: '2026-04-10T09:30:00+08:00',
    lines: [
      { account: 'cash', currency: 'CNY', debit: amount },
      { account: `receivable:${p.customerId}`, currency: 'CNY', credit: amount },
    ],
  };
}

function creditNoteEntry(p: Party, ref: string, net: string, tax: string, total: string): JournalEntryInput {
  return {
    kind: 'credit_note',
    reference: { type: 'credit_note', id: ref },
    contractId: p.contractId,
    customerId: p.customerId,
    description: `Credit note ${ref}`,
    effectiveAt: '2026-04-15',
    lines: [
      { account: 'revenue:usage', currency: 'CNY', debit: net },
      { account: 'tax_payable', currency: 'CNY', debit: tax },
      { account: `receivable:${p.customerId}`, currency: 'CNY', credit: total },
    ],
  };
}

describe('ledger: hash-chained double-entry journal', () => {
  let t: TestApp;
  let ledger: LedgerService;

  async function party(): Promise<Party> {
    const { vendorId, adminKey } = await t.createVendor();
    const vendor = t.as(adminKey);
    const { customerId, contractId } = await customerWithContract(vendor);
    return { vendorId, vendor, customerId, contractId };
  }

  const post = (vendorId: string, entry: JournalEntryInput) => t.db.transaction((em) => ledger.post(em, vendorId, entry));

  beforeAll(async () => {
    t = await createTestApp({ validateResponses: true }); // every answer held to /openapi.json
    ledger = t.app.get(LedgerService);
  });
  afterAll(() => t.close());

  it('chains 50 postings from concurrent transactions gaplessly, and the chain verifies from genesis', async () => {
    const p = await party();
    const postings = Array.from({ length: 50 }, (_, i) =>
      i % 3 === 0
        ? finalizeEntry(p, `inv-${i}`, '100.00', '6.00', '106.00')
        : i % 3 === 1
          ? paymentEntry(p, `pay-${i}`, '53.00')
          : creditNoteEntry(p, `cn-${i}`, '10.00', '0.60', '10.60'),
    );
    const posted = await Promise.all(postings.map((e) => post(p.vendorId, e)));
    expect(posted.map((e) => Number(e.sequence)).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // Each posting links to the one before it.
    const bySeq = new Map(posted.map((e) => [e.sequence, e]));
    for (let s = 2; s <= 50; s++) expect(bySeq.get(String(s))!.prevHash).toBe(bySeq.get(String(s - 1))!.hash);
    expect(bySeq.get('1')!.prevHash).toBe('0'.repeat(64));

    const report = await ledger.verify(p.vendorId);
    expect(report).toEqual({ ok: true, entries: 50, headHash: bySeq.get('50')!.hash });
    const api = await p.vendor.get('/v1/ledger/verify').expect(200);
    expect(api.body).toEqual(report);
  });

  it('refuses an unbalanced entry before writing anything, naming the lines', async () => {
    const p = await party();
    const before = await t.counts(['journal_entries', 'journal_lines', 'ledger_heads']);
    const bad = finalizeEntry(p, 'inv-bad', '100.00', '6.00', '105.99');
    const err = await post(p.vendorId, bad).catch((e) => e);
    expect(err).toBeInstanceOf(DomainException);
    expect(err.code).toBe('JOURNAL_ENTRY_UNBALANCED');
    expect(await t.counts(['journal_entries', 'journal_lines', 'ledger_heads'])).toEqual(before);
  });

  it('refuses an amount finer than the currency’s minor unit and a line with both sides, naming the fields', async () => {
    const p = await party();
    const entry = finalizeEntry(p, 'inv-fine', '100.005', '6.00', '106.005');
    entry.lines[2] = { account: 'tax_payable', currency: 'CNY', debit: '1.00', credit: '1.00' };
    const err = await post(p.vendorId, entry).catch((e) => e);
    expect(err.code).toBe('JOURNAL_ENTRY_INVALID');
    expect(err.errors.map((e: any) => e.field)).toEqual(['lines[0].debit', 'lines[1].credit', 'lines[2]']);
  });

  it('the database itself refuses, at commit, an entry whose lines do not balance', async () => {
    const p = await party();
    await post(p.vendorId, paymentEntry(p, 'pay-ok', '10.00'));
    const attempt = t.db.transaction(async (em) => {
      const [head] = await em.query(`SELECT sequence, hash FROM ledger_heads WHERE vendor_id = $1 FOR UPDATE`, [p.vendorId]);
      const [e] = await em.query(
        `INSERT INTO journal_entries (vendor_id, sequence, kind, reference_type, reference_id, description, effective_at, prev_hash, hash)
         VALUES ($1, $2::bigint + 1, 'payment', 'payment', 'raw-1', 'raw insert', '2026-04-01', $3, $4) RETURNING id`,
        [p.vendorId, head.sequence, head.hash, 'a'.repeat(64)],
      );
      await em.query(
        `INSERT INTO journal_lines (vendor_id, entry_id, line_no, account, currency, debit, credit)
         VALUES ($1, $2, 1, 'cash', 'CNY', 10, NULL), ($1, $2, 2, 'receivable:x', 'CNY', NULL, 9.99)`,
        [p.vendorId, e.id],
      );
    });
    await expect(attempt).rejects.toThrow(/does not balance: CNY debits 10\.0+ ≠ credits 9\.99/);
    const lonely = t.db.transaction(async (em) => {
      const [head] = await em.query(`SELECT sequence, hash FROM ledger_heads WHERE vendor_id = $1 FOR UPDATE`, [p.vendorId]);
      await em.query(
        `INSERT INTO journal_entries (vendor_id, sequence, kind, reference_type, reference_id, description, effective_at, prev_hash, hash)
         VALUES ($1, $2::bigint + 1, 'payment', 'payment', 'raw-2', 'no lines', '2026-04-01', $3, $4)`,
        [p.vendorId, head.sequence, head.hash, 'b'.repeat(64)],
      );
    });
    await expect(lonely).rejects.toThrow(/has 0 line\(s\)/);
    expect((await ledger.verify(p.vendorId)).entries).toBe(1);
  });

  it('the database refuses an entry that does not extend the chain head, and a head moved by hand', async () => {
    const p = await party();
    const first = await post(p.vendorId, paymentEntry(p, 'pay-1', '10.00'));
    await expect(
      t.db.query(
        `INSERT INTO journal_entries (vendor_id, sequence, kind, reference_type, reference_id, description, effective_at, prev_hash, hash)
         VALUES ($1, 5, 'payment', 'payment', 'fork', 'skips ahead', '2026-04-01', $2, $3)`,
        [p.vendorId, first.hash, 'c'.repeat(64)],
      ),
    ).rejects.toThrow(/does not extend the chain head/);
    await expect(t.db.query(`UPDATE ledger_heads SET sequence = 0, hash = repeat('0', 64) WHERE vendor_id = $1`, [p.vendorId])).rejects.toThrow(
      /may only advance/,
    );
    await expect(t.db.query(`DELETE FROM ledger_heads WHERE vendor_id = $1`, [p.vendorId])).rejects.toThrow(/DELETE refused/);
  });

  it('returns the entry already posted when the same posting is repeated, and refuses a different one for that reference', async () => {
    const p = await party();
    const a = await post(p.vendorId, finalizeEntry(p, 'inv-1', '100.00', '6.00', '106.00'));
    const again = await post(p.vendorId, finalizeEntry(p, 'inv-1', '100', '6', '106.0'));
    expect(again).toEqual(a);
    const err = await post(p.vendorId, finalizeEntry(p, 'inv-1', '200.00', '12.00', '212.00')).catch((e) => e);
    expect(err.code).toBe('JOURNAL_ENTRY_CONFLICT');
    expect((await ledger.verify(p.vendorId)).entries).toBe(1);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on journal rows, for the superuser and for a non-superuser application role', async () => {
    const p = await party();
    const posted = await post(p.vendorId, paymentEntry(p, 'pay-1', '10.00'));
    const refused = /append-only/;
    await expect(t.db.query(`UPDATE journal_entries SET description = 'edited' WHERE vendor_id = $1`, [p.vendorId])).rejects.toThrow(refused);
    await expect(t.db.query(`UPDATE journal_lines SET debit = 1 WHERE vendor_id = $1 AND debit IS NOT NULL`, [p.vendorId])).rejects.toThrow(refused);
    await expect(t.db.query(`DELETE FROM journal_lines WHERE vendor_id = $1`, [p.vendorId])).rejects.toThrow(refused);
    await expect(t.db.query(`DELETE FROM journal_entries WHERE vendor_id = $1`, [p.vendorId])).rejects.toThrow(refused);
    await expect(t.db.query(`TRUNCATE journal_lines, journal_entries`)).rejects.toThrow(refused);

    // The same as an ordinary role with full table privileges: the triggers, not privileges, refuse.
    await t.db.query(`DO $$ BEGIN CREATE ROLE ol_ledger_app NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    await t.db.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON journal_entries, journal_lines TO ol_ledger_app`);
    for (const sql of [
      `UPDATE journal_lines SET credit = 1 WHERE vendor_id = '${p.vendorId}' AND credit IS NOT NULL`,
      `DELETE FROM journal_entries WHERE vendor_id = '${p.vendorId}'`,
    ]) {
      const attempt = t.db.transaction(async (em) => {
        await em.query('SET LOCAL ROLE ol_ledger_app');
        await em.query(sql);
      });
      await expect(attempt).rejects.toThrow(refused);
    }
    expect(await ledger.verify(p.vendorId)).toEqual({ ok: true, entries: 1, headHash: posted.hash });
  });

  it('names the first entry changed behind the triggers’ back, through the service, the API and the CLI', async () => {
    const p = await party();
    const posted: Array<{ id: string; sequence: string }> = [];
    for (let i = 1; i <= 5; i++) posted.push(await post(p.vendorId, paymentEntry(p, `pay-${i}`, `${i}0.00`)));
    // As the superuser, with the triggers disabled: the database can no longer refuse; the chain still tells.
    await t.db.query(`ALTER TABLE journal_lines DISABLE TRIGGER USER`);
    try {
      await t.db.query(`UPDATE journal_lines SET debit = 31.00 WHERE vendor_id = $1 AND entry_id = $2 AND line_no = 1`, [p.vendorId, posted[2].id]);
      await t.db.query(`UPDATE journal_lines SET credit = 31.00 WHERE vendor_id = $1 AND entry_id = $2 AND line_no = 2`, [p.vendorId, posted[2].id]);
    } finally {
      await t.db.query(`ALTER TABLE journal_lines ENABLE TRIGGER USER`);
    }
    const broken = { sequence: '3', entryId: posted[2].id, reason: 'hash_mismatch' };
    const report = await ledger.verify(p.vendorId);
    expect(report).toMatchObject({ ok: false, firstBroken: broken });
    const api = await p.vendor.get('/v1/ledger/verify').expect(200);
    expect(api.body.firstBroken).toEqual(broken);

    // The command class, as nest-commander runs it.
    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => (out.push(String(chunk)), true));
    const exitBefore = process.exitCode;
    try {
      await t.app.get(LedgerVerifyCommand).run([], { vendor: p.vendorId });
      expect(process.exitCode).toBe(1);
    } finally {
      write.mockRestore();
      process.exitCode = exitBefore;
    }
    expect(out.join('')).toContain(`BROKEN at sequence 3 (entry ${posted[2].id}): hash_mismatch`);
  });

  it('`npm run cli -- ledger verify` prints the verdict as JSON and exits 1 when the chain is broken', async () => {
    const p = await party();
    const ok = await post(p.vendorId, paymentEntry(p, 'pay-1', '10.00'));
    await post(p.vendorId, paymentEntry(p, 'pay-2', '20.00'));
    const cli = (args: string[]) =>
      run('node', ['-r', '@swc-node/register', 'src/cli.ts', 'ledger', 'verify', '--vendor', p.vendorId, ...args], {
        cwd: join(__dirname, '..', '..'),
        env: { ...process.env, DATABASE_URL: t.databaseUrl, NODE_ENV: 'test', LOG_LEVEL: 'silent' },
        timeout: 90_000,
      });
    const good = await cli([]);
    expect(good.stdout).toMatch(/^OK: 2 journal entries verified from genesis; head hash [0-9a-f]{64}/);

    // Drop the newest entry behind the triggers' back: the head still names it.
    await t.db.query(`ALTER TABLE journal_lines DISABLE TRIGGER USER; ALTER TABLE journal_entries DISABLE TRIGGER USER`);
    try {
      await t.db.query(`DELETE FROM journal_lines WHERE vendor_id = $1 AND entry_id <> $2`, [p.vendorId, ok.id]);
      await t.db.query(`DELETE FROM journal_entries WHERE vendor_id = $1 AND id <> $2`, [p.vendorId, ok.id]);
    } finally {
      await t.db.query(`ALTER TABLE journal_lines ENABLE TRIGGER USER; ALTER TABLE journal_entries ENABLE TRIGGER USER`);
    }
    const bad = await cli(['--json']).then(
      () => null,
      (e) => e,
    );
    expect(bad?.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toEqual({
      ok: false,
      entries: 1,
      headHash: ok.hash,
      firstBroken: { sequence: '2', entryId: null, reason: 'sequence_gap' },
    });
  }, 120_000);

  it('sums balances per account in SQL: each customer’s receivable, revenue, tax and cash', async () => {
    const p = await party();
    const other = await customerWithContract(p.vendor);
    await post(p.vendorId, finalizeEntry(p, 'inv-1', '1000.00', '60.00', '1060.00'));
    await post(p.vendorId, paymentEntry(p, 'pay-1', '500.00'));
    await post(p.vendorId, creditNoteEntry(p, 'cn-1', '100.00', '6.00', '106.00'));
    await post(p.vendorId, finalizeEntry({ ...p, ...other }, 'inv-2', '10.00', '0.60', '10.60'));

    const all = await p.vendor.get('/v1/ledger/balances').expect(200);
    const by = Object.fromEntries(all.body.data.map((b: any) => [b.account, b]));
    expect(by[`receivable:${p.customerId}`]).toEqual({
      account: `receivable:${p.customerId}`,
      currency: 'CNY',
      debit: '1060.00',
      credit: '606.00',
      balance: '454.00',
    });
    expect(by[`receivable:${other.customerId}`].balance).toBe('10.60');
    expect(by['revenue:usage']).toMatchObject({ debit: '100.00', credit: '1010.00', balance: '-910.00' });
    expect(by['tax_payable'].balance).toBe('-54.60');
    expect(by['cash'].balance).toBe('500.00');
    // The books balance: the sum of every account is zero.
    const total = all.body.data.reduce((s: bigint, b: any) => s + BigInt(b.balance.replace('.', '')), 0n);
    expect(total).toBe(0n);

    const receivables = await p.vendor.get('/v1/ledger/balances?accountPrefix=receivable:').expect(200);
    expect(receivables.body.data.map((b: any) => b.account).sort()).toEqual([`receivable:${p.customerId}`, `receivable:${other.customerId}`].sort());
    const one = await p.vendor.get('/v1/ledger/balances?account=tax_payable&currency=CNY').expect(200);
    expect(one.body.data).toEqual([{ account: 'tax_payable', currency: 'CNY', debit: '6.00', credit: '60.60', balance: '-54.60' }]);
    const bad = await p.vendor.get('/v1/ledger/balances?currency=XXQ').expect(422);
    expect(bad.body.errors?.[0]?.field ?? bad.body.detail).toMatch(/currency/);
  });

  it('lists entries newest first with their lines, filtered by account or contract, page by page', async () => {
    const p = await party();
    const other = await customerWithContract(p.vendor);
    const e1 = await post(p.vendorId, finalizeEntry(p, 'inv-1', '100.00', '6.00', '106.00'));
    const e2 = await post(p.vendorId, paymentEntry(p, 'pay-1', '106.00'));
    const e3 = await post(p.vendorId, finalizeEntry({ ...p, ...other }, 'inv-2', '10.00', '0.60', '10.60'));

    const page1 = await p.vendor.get('/v1/ledger/entries?limit=2').expect(200);
    expect(page1.body.data.map((e: any) => e.sequence)).toEqual(['3', '2']);
    const page2 = await p.vendor.get(`/v1/ledger/entries?limit=2&cursor=${page1.body.nextCursor}`).expect(200);
    expect(page2.body.data.map((e: any) => e.id)).toEqual([e1.id]);
    expect(page2.body.nextCursor).toBeNull();
    expect(page2.body.data[0]).toMatchObject({
      sequence: '1',
      kind: 'invoice_finalized',
      reference: { type: 'invoice', id: 'inv-1' },
      effectiveAt: '2026-03-31',
      prevHash: '0'.repeat(64),
      hash: e1.hash,
      lines: [
        { lineNo: 1, account: `receivable:${p.customerId}`, currency: 'CNY', debit: '106.00', credit: null, memo: null },
        { lineNo: 2, account: 'revenue:usage', currency: 'CNY', debit: null, credit: '100.00', memo: 'queries' },
        { lineNo: 3, account: 'tax_payable', currency: 'CNY', debit: null, credit: '6.00', memo: null },
      ],
    });

    const cash = await p.vendor.get('/v1/ledger/entries?account=cash').expect(200);
    expect(cash.body.data.map((e: any) => e.id)).toEqual([e2.id]);
    expect(cash.body.data[0].effectiveAt).toBe('2026-04-10T01:30:00.000Z');
    const byContract = await p.vendor.get(`/v1/ledger/entries?contractId=${other.contractId}`).expect(200);
    expect(byContract.body.data.map((e: any) => e.id)).toEqual([e3.id]);
    const one = await p.vendor.get(`/v1/ledger/entries/${e2.id}`).expect(200);
    expect(one.body).toMatchObject({ id: e2.id, sequence: '2', prevHash: e1.hash, hash: e2.hash });
    await p.vendor.get('/v1/ledger/entries?cursor=bm90LWEtY3Vyc29y').expect(400);
  });

  it('opens the books to the vendor’s admins and auditors only: customers get 403, other vendors see nothing', async () => {
    const p = await party();
    const other = await customerWithContract(p.vendor);
    const e1 = await post(p.vendorId, finalizeEntry(p, 'inv-1', '100.00', '6.00', '106.00'));
    const e2 = await post(p.vendorId, finalizeEntry({ ...p, ...other }, 'inv-2', '10.00', '0.60', '10.60'));

    const customer = t.as(await issueKey(p.vendor, { role: 'customer', customerId: p.customerId }));
    for (const path of ['/v1/ledger/entries', `/v1/ledger/entries/${e1.id}`, '/v1/ledger/balances', '/v1/ledger/verify']) {
      const res = await customer.get(path).expect(403);
      expect(res.body.code).toBe('ROLE_FORBIDDEN');
    }

    const auditor = t.as(await issueKey(p.vendor, { role: 'auditor' }));
    expect((await auditor.get('/v1/ledger/entries').expect(200)).body.data).toHaveLength(2);
    expect((await auditor.get('/v1/ledger/verify').expect(200)).body).toMatchObject({ ok: true, entries: 2 });
    const limited = t.as(await issueKey(p.vendor, { role: 'auditor', contractIds: [p.contractId] }));
    expect((await limited.get('/v1/ledger/entries').expect(200)).body.data.map((e: any) => e.id)).toEqual([e1.id]);
    await limited.get(`/v1/ledger/entries/${e2.id}`).expect(404);
    const limitedBalances = await limited.get('/v1/ledger/balances?accountPrefix=receivable:').expect(200);
    expect(limitedBalances.body.data.map((b: any) => b.account)).toEqual([`receivable:${p.customerId}`]);

    const foreign = t.as((await t.createVendor('Someone else')).adminKey);
    expect((await foreign.get('/v1/ledger/entries').expect(200)).body.data).toEqual([]);
    expect((await foreign.get('/v1/ledger/balances').expect(200)).body.data).toEqual([]);
    expect((await foreign.get('/v1/ledger/verify').expect(200)).body).toEqual({ ok: true, entries: 0, headHash: '0'.repeat(64) });
    const notFound = await foreign.get(`/v1/ledger/entries/${e1.id}`).expect(404);
    expect(notFound.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});
