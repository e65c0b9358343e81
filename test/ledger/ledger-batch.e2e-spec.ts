import { DomainException } from '../../src/common/errors/domain-exception';
import { JournalEntryInput, LedgerService } from '../../src/ledger/ledger.service';
import { customerWithContract } from '../support/fixtures';
import { invoiceFinalizedEntry } from '../support/journal-entries';
import { createTestApp, TestApp } from '../support/test-app';

interface Party {
  vendorId: string;
  customerId: string;
  contractId: string;
}


describe('ledger: batches of entries posted under one lock of the chain head', () => {
  let t: TestApp;
  let ledger: LedgerService;

  async function party(): Promise<Party> {
    const { vendorId, adminKey } = await t.createVendor();
    const { customerId, contractId } = await customerWithContract(t.as(adminKey));
    return { vendorId, customerId, contractId };
  }

  const batch = (vendorId: string, entries: JournalEntryInput[]) => t.db.transaction((em) => ledger.postBatch(em, vendorId, entries));
  const post = (vendorId: string, entry: JournalEntryInput) => t.db.transaction((em) => ledger.post(em, vendorId, entry));

  beforeAll(async () => {
    t = await createTestApp();
    ledger = t.app.get(LedgerService);
  });
  afterAll(() => t.close());

  it('posts a batch after single postings as consecutive links, and the chain verifies from genesis', async () => {
    const p = await party();
    const one = await post(p.vendorId, invoiceFinalizedEntry(p, 'inv-0'));
    const posted = await batch(p.vendorId, Array.from({ length: 40 }, (_, i) => invoiceFinalizedEntry(p, `inv-${i + 1}`)));
    expect(posted.map((e) => e.sequence)).toEqual(Array.from({ length: 40 }, (_, i) => String(i + 2)));
    expect(posted[0].prevHash).toBe(one.hash);
    for (let i = 1; i < posted.length; i++) expect(posted[i].prevHash).toBe(posted[i - 1].hash);
    const after = await post(p.vendorId, invoiceFinalizedEntry(p, 'inv-41'));
    expect(after).toMatchObject({ sequence: '42', prevHash: posted[39].hash });
    expect(await ledger.verify(p.vendorId)).toEqual({ ok: true, entries: 42, headHash: after.hash });
    const [lines] = await t.db.query(`SELECT count(*)::int AS n FROM journal_lines WHERE vendor_id = $1`, [p.vendorId]);
    expect(lines.n).toBe(42 * 3);
  });

  it('refuses the whole batch when one entry does not balance, naming it, and writes nothing', async () => {
    const p = await party();
    await post(p.vendorId, invoiceFinalizedEntry(p, 'inv-0'));
    const before = await t.counts(['journal_entries', 'journal_lines', 'ledger_heads']);
    const entries = [invoiceFinalizedEntry(p, 'inv-1'), invoiceFinalizedEntry(p, 'inv-2', '100.00', '6.00', '105.99'), invoiceFinalizedEntry(p, 'inv-3')];
    const err = await batch(p.vendorId, entries).catch((e) => e);
    expect(err).toBeInstanceOf(DomainException);
    expect(err.code).toBe('JOURNAL_ENTRY_UNBALANCED');
    expect(err.errors.map((e: any) => e.field)).toEqual(['entries[1].lines']);
    expect(await t.counts(['journal_entries', 'journal_lines', 'ledger_heads'])).toEqual(before);
    expect(await ledger.verify(p.vendorId)).toMatchObject({ ok: true, entries: 1 });
  });

  it('answers entries already posted as they are, chains only the new ones, and refuses a different entry for a posted reference', async () => {
    const p = await party();
    const first = await batch(p.vendorId, [invoiceFinalizedEntry(p, 'inv-1'), invoiceFinalizedEntry(p, 'inv-2')]);
    // A retried batch with one more entry: the two answer as posted, the third takes sequence 3.
    const again = await batch(p.vendorId, [invoiceFinalizedEntry(p, 'inv-1', '100', '6', '106'), invoiceFinalizedEntry(p, 'inv-3'), invoiceFinalizedEntry(p, 'inv-2')]);
    expect(again[0]).toEqual(first[0]);
    expect(again[2]).toEqual(first[1]);
    expect(again[1]).toMatchObject({ sequence: '3', prevHash: first[1].hash });
    const err = await batch(p.vendorId, [invoiceFinalizedEntry(p, 'inv-4'), invoiceFinalizedEntry(p, 'inv-2', '200.00', '12.00', '212.00')]).catch((e) => e);
    expect(err.code).toBe('JOURNAL_ENTRY_CONFLICT');
    const twice = await batch(p.vendorId, [invoiceFinalizedEntry(p, 'inv-5'), invoiceFinalizedEntry(p, 'inv-5', '1.00', '0.06', '1.06')]).catch((e) => e);
    expect(twice.code).toBe('JOURNAL_ENTRY_CONFLICT');
    expect(await ledger.verify(p.vendorId)).toMatchObject({ ok: true, entries: 3 });
  });

  it('keeps the chain gapless when batches and single postings of one vendor run concurrently', async () => {
    const p = await party();
    const work = [
      ...Array.from({ length: 6 }, (_, b) => batch(p.vendorId, Array.from({ length: 15 }, (_, i) => invoiceFinalizedEntry(p, `b${b}-${i}`)))),
      ...Array.from({ length: 10 }, (_, i) => post(p.vendorId, invoiceFinalizedEntry(p, `single-${i}`)).then((e) => [e])),
    ];
    const posted = (await Promise.all(work)).flat();
    expect(posted.map((e) => Number(e.sequence)).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const report = await ledger.verify(p.vendorId);
    expect(report).toMatchObject({ ok: true, entries: 100 });
  });

  it('the database refuses a batch that skips a sequence, and a head moved past entries that do not exist', async () => {
    const p = await party();
    const first = await post(p.vendorId, invoiceFinalizedEntry(p, 'inv-1'));
    const insert = (em: { query: (s: string, v: unknown[]) => Promise<unknown> }, sequence: number, ref: string, prev: string, hash: string) =>
      em.query(
        `INSERT INTO journal_entries (vendor_id, sequence, kind, reference_type, reference_id, description, effective_at, prev_hash, hash)
         VALUES ($1, $2, 'payment', 'payment', $3, 'raw', '2026-04-01', $4, $5)`,
        [p.vendorId, sequence, ref, prev, hash],
      );
    // Extending our own entry past the head is a batch; skipping one is not.
    const skip = t.db.transaction(async (em) => {
      await insert(em, 2, 'raw-2', first.hash, 'a'.repeat(64));
      await insert(em, 4, 'raw-4', 'a'.repeat(64), 'b'.repeat(64));
    });
    await expect(skip).rejects.toThrow(/does not extend the chain head/);
    const broken = t.db.transaction(async (em) => {
      await insert(em, 2, 'raw-2', first.hash, 'a'.repeat(64));
      await insert(em, 3, 'raw-3', 'f'.repeat(64), 'b'.repeat(64));
    });
    await expect(broken).rejects.toThrow(/does not extend the chain head/);
    await expect(
      t.db.query(`UPDATE ledger_heads SET sequence = 3, hash = $2 WHERE vendor_id = $1`, [p.vendorId, 'b'.repeat(64)]),
    ).rejects.toThrow(/may only advance/);
    expect(await ledger.verify(p.vendorId)).toMatchObject({ ok: true, entries: 1 });
  });
});
