import fc from 'fast-check';
import {
  canonicalEntry,
  ChainEntry,
  ChainEntryContent,
  entryHash,
  GENESIS_HASH,
  isBalanced,
  normalizeAmount,
  normalizeEffectiveAt,
  type RedactedChainEntry,
  verifyChain,
} from './chain';

const VECTOR: ChainEntryContent = {
  vendorId: '01900000-0000-7000-8000-000000000001',
  sequence: '1',
  kind: 'invoice_finalized',
  reference: { type: 'invoice', id: '01900000-0000-7000-8000-0000000000a1' },
  contractId: '01900000-0000-7000-8000-0000000000c1',
  customerId: '01900000-0000-7000-8000-0000000000d1',
  description: 'Invoice INV-2026-000001 (2026-03)',
  effectiveAt: '2026-03-31',
  lines: [
    { account: 'receivable:01900000-0000-7000-8000-0000000000d1', currency: 'CNY', debit: '1060', credit: null, memo: null },
    { account: 'revenue:flat_fee', currency: 'CNY', debit: null, credit: '1000.000000000000', memo: 'Flat fee' },
    { account: 'tax_payable', currency: 'CNY', debit: null, credit: '60.00', memo: null },
  ],
};

// Pinned: changing the canonical form breaks every stored chain. Recomputed independently
// (python hashlib over '0'*64 + this string) when it was written.
const VECTOR_CANONICAL =
  '{"contractId":"01900000-0000-7000-8000-0000000000c1","customerId":"01900000-0000-7000-8000-0000000000d1",' +
  '"description":"Invoice INV-2026-000001 (2026-03)","effectiveAt":"2026-03-31","kind":"invoice_finalized",' +
  '"lines":[{"account":"receivable:01900000-0000-7000-8000-0000000000d1","credit":null,"currency":"CNY","debit":"1060.00","memo":null},' +
  '{"account":"revenue:flat_fee","credit":"1000.00","currency":"CNY","debit":null,"memo":"Flat fee"},' +
  '{"account":"tax_payable","credit":"60.00","currency":"CNY","debit":null,"memo":null}],' +
  '"reference":{"id":"01900000-0000-7000-8000-0000000000a1","type":"invoice"},"sequence":"1",' +
  '"vendorId":"01900000-0000-7000-8000-000000000001"}';
const VECTOR_HASH = '73391d1930e4a9a822f06ec8346ee5ddc4009b2be0806621f33b1c5147b2d1d8';

/** A valid chain of n simple entries (receivable/cash pairs). */
function chainOf(n: number, vendorId = VECTOR.vendorId): ChainEntry[] {
  const out: ChainEntry[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const content: ChainEntryContent = {
      ...VECTOR,
      vendorId,
      sequence: String(i),
      kind: 'payment',
      reference: { type: 'payment', id: `p-${i}` },
      lines: [
        { account: 'cash', currency: 'CNY', debit: `${i}.50`, credit: null, memo: null },
        { account: 'receivable:c1', currency: 'CNY', debit: null, credit: `${i}.50`, memo: null },
      ],
    };
    const hash = entryHash(prev, content);
    out.push({ ...content, id: `e-${i}`, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

describe('ledger hash chain', () => {
  it('serializes the pinned entry to the pinned canonical string and hash', () => {
    expect(canonicalEntry(VECTOR)).toBe(VECTOR_CANONICAL);
    expect(entryHash(GENESIS_HASH, VECTOR)).toBe(VECTOR_HASH);
  });

  it('hashes the same entry identically whatever the key order or the stored scale of its amounts', () => {
    const reordered = JSON.parse(JSON.stringify(VECTOR), (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    );
    reordered.lines[2].credit = '60.000000000000';
    expect(entryHash(GENESIS_HASH, reordered)).toBe(VECTOR_HASH);
  });

  it('never hides a changed digit by rounding to the currency', () => {
    expect(normalizeAmount('100.004', 'CNY')).toBe('100.004');
    expect(normalizeAmount('100.000000000000', 'CNY')).toBe('100.00');
    expect(normalizeAmount('5', 'JPY')).toBe('5');
    expect(normalizeAmount('5.000', 'KWD')).toBe('5.000');
    const tampered = { ...VECTOR, lines: VECTOR.lines.map((l, i) => (i === 2 ? { ...l, credit: '60.001' } : l)) };
    expect(entryHash(GENESIS_HASH, tampered)).not.toBe(VECTOR_HASH);
  });

  it('keeps a business date as a date and turns a timestamp into UTC', () => {
    expect(normalizeEffectiveAt('2026-03-31')).toBe('2026-03-31');
    expect(normalizeEffectiveAt('2026-04-01T00:30:00+08:00')).toBe('2026-03-31T16:30:00.000Z');
  });

  it('verifies an intact chain from genesis and reports its head', () => {
    const chain = chainOf(5);
    expect(verifyChain(chain)).toEqual({ ok: true, entries: 5, headHash: chain[4].hash });
    expect(verifyChain([])).toEqual({ ok: true, entries: 0, headHash: GENESIS_HASH });
  });

  it('names the first entry whose content no longer matches its hash', () => {
    const chain = chainOf(6);
    chain[3] = { ...chain[3], lines: [{ ...chain[3].lines[0], debit: '9.50' }, { ...chain[3].lines[1], credit: '9.50' }] };
    chain[5] = { ...chain[5], description: 'edited too' };
    expect(verifyChain(chain).firstBroken).toEqual({ sequence: '4', entryId: 'e-4', reason: 'hash_mismatch' });
  });

  it('names a broken link when an entry was re-hashed without re-linking its successor', () => {
    const chain = chainOf(4);
    const edited = { ...chain[1], description: 'rewritten' };
    chain[1] = { ...edited, hash: entryHash(edited.prevHash, edited) };
    expect(verifyChain(chain).firstBroken).toEqual({ sequence: '3', entryId: 'e-3', reason: 'prev_hash_mismatch' });
  });

  it('names the first missing sequence when an entry was removed, even at the end of the chain', () => {
    const chain = chainOf(5);
    expect(verifyChain([chain[0], chain[2], chain[3]]).firstBroken).toEqual({ sequence: '2', entryId: null, reason: 'sequence_gap' });
    const head = { sequence: '5', hash: chain[4].hash };
    expect(verifyChain(chain.slice(0, 4), head).firstBroken).toEqual({ sequence: '5', entryId: null, reason: 'sequence_gap' });
    expect(verifyChain(chain, head).ok).toBe(true);
  });

  it('flags an entry that was hashed correctly but does not balance', () => {
    const chain = chainOf(2);
    const bad = { ...chain[1], lines: [chain[1].lines[0], { ...chain[1].lines[1], credit: '1.00' }] };
    const rehashed = { ...bad, hash: entryHash(bad.prevHash, bad) };
    expect(verifyChain([chain[0], rehashed]).firstBroken).toEqual({ sequence: '2', entryId: 'e-2', reason: 'unbalanced' });
  });

  it('links across redacted entries: their content is withheld, their hash and prev hash still chain', () => {
    const chain = chainOf(5);
    const redact = (e: ChainEntry): RedactedChainEntry => ({ redacted: true, id: e.id, sequence: e.sequence, prevHash: e.prevHash, hash: e.hash });
    const mixed = [chain[0], redact(chain[1]), redact(chain[2]), chain[3], chain[4]];
    expect(verifyChain(mixed, { sequence: '5', hash: chain[4].hash })).toEqual({ ok: true, entries: 5, headHash: chain[4].hash });
  });

  it('breaks at a redacted entry whose links were altered, and at the entry after a redacted hash that was changed', () => {
    const chain = chainOf(4);
    const redact = (e: ChainEntry, over: Partial<RedactedChainEntry> = {}): RedactedChainEntry => ({
      redacted: true, id: e.id, sequence: e.sequence, prevHash: e.prevHash, hash: e.hash, ...over,
    });
    expect(verifyChain([chain[0], redact(chain[1], { prevHash: 'f'.repeat(64) }), chain[2]]).firstBroken).toEqual({
      sequence: '2', entryId: 'e-2', reason: 'prev_hash_mismatch',
    });
    expect(verifyChain([chain[0], redact(chain[1], { hash: 'f'.repeat(64) }), chain[2]]).firstBroken).toEqual({
      sequence: '3', entryId: 'e-3', reason: 'prev_hash_mismatch',
    });
    expect(verifyChain([chain[0], redact(chain[2])]).firstBroken).toEqual({ sequence: '2', entryId: null, reason: 'sequence_gap' });
  });

  it('balances per currency: a CNY debit never offsets a USD credit', () => {
    const line = (currency: string, debit: string | null, credit: string | null) => ({ account: 'x', currency, debit, credit, memo: null });
    expect(isBalanced([line('CNY', '10', null), line('CNY', null, '10.00')])).toBe(true);
    expect(isBalanced([line('CNY', '10', null), line('USD', null, '10')])).toBe(false);
    expect(isBalanced([line('CNY', '10', null)])).toBe(false);
    expect(isBalanced([line('CNY', '0', null), line('CNY', null, '0')])).toBe(false);
  });

  it('detects any single-field change anywhere in a chain (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.nat(), fc.constantFrom('description', 'effectiveAt', 'customerId', 'memo'), (n, pick, field) => {
        const chain = chainOf(n);
        const i = pick % n;
        chain[i] =
          field === 'memo'
            ? { ...chain[i], lines: [{ ...chain[i].lines[0], memo: 'x' }, chain[i].lines[1]] }
            : { ...chain[i], [field]: 'changed' };
        const report = verifyChain(chain);
        return !report.ok && report.firstBroken!.sequence === String(i + 1);
      }),
    );
  });
});
