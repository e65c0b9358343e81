// Golden ledger entries: the canonical bytes and hash of an invoice posting, a payment and a
// credit note, chained from genesis, committed in src/ledger/golden/. Any change to the canonical
// form or to the amount normalization breaks every stored chain, so it fails here first.
// `UPDATE_GOLDEN=1 npx jest src/ledger/chain.golden.spec.ts` rewrites the files.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalEntry, type ChainEntryContent, entryHash, GENESIS_HASH } from './chain';

const DIR = join(__dirname, 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const VENDOR = '01900000-0000-7000-8000-000000000001';
const CUSTOMER = '01900000-0000-7000-8000-0000000000d1';
const CONTRACT = '01900000-0000-7000-8000-0000000000c1';
const INVOICE = '01900000-0000-7000-8000-0000000000a1';

const ENTRIES: Array<{ name: string; entry: ChainEntryContent }> = [
  {
    name: 'invoice-posting',
    entry: {
      vendorId: VENDOR, sequence: '1', kind: 'invoice_finalized', reference: { type: 'invoice', id: INVOICE },
      contractId: CONTRACT, customerId: CUSTOMER, description: 'Invoice INV-2026-000001 (2026-03)', effectiveAt: '2026-03-31',
      lines: [
        { account: `receivable:${CUSTOMER}`, currency: 'CNY', debit: '265000.000000000000', credit: null, memo: null },
        { account: 'revenue:flat_fee', currency: 'CNY', debit: null, credit: '150000', memo: '3 × production line at 50000.00 per month' },
        { account: 'revenue:value_share', currency: 'CNY', debit: null, credit: '100000.00', memo: '10% of verified savings' },
        { account: 'tax_payable', currency: 'CNY', debit: null, credit: '15000.00', memo: null },
      ],
    },
  },
  {
    name: 'payment',
    entry: {
      vendorId: VENDOR, sequence: '2', kind: 'payment', reference: { type: 'payment', id: '01900000-0000-7000-8000-0000000000b1' },
      contractId: CONTRACT, customerId: CUSTOMER, description: 'Payment for INV-2026-000001 — "wire" ✓',
      effectiveAt: '2026-04-15T01:30:00.000Z',
      lines: [
        { account: 'cash', currency: 'CNY', debit: '200000.5', credit: null, memo: 'bank ref 77/Ä' },
        { account: `receivable:${CUSTOMER}`, currency: 'CNY', debit: null, credit: '200000.50', memo: null },
      ],
    },
  },
  {
    name: 'credit-note',
    entry: {
      vendorId: VENDOR, sequence: '3', kind: 'credit_note', reference: { type: 'credit_note', id: '01900000-0000-7000-8000-0000000000e1' },
      contractId: CONTRACT, customerId: null, description: 'Credit note CN-2026-000001 against INV-2026-000001', effectiveAt: '2026-04-20',
      lines: [
        { account: 'revenue:value_share', currency: 'CNY', debit: '1000.004', credit: null, memo: null },
        { account: 'contra:JPY', currency: 'JPY', debit: '5', credit: null, memo: null },
        { account: `receivable:${CUSTOMER}`, currency: 'CNY', debit: null, credit: '1000.004', memo: null },
        { account: 'contra:JPY', currency: 'JPY', debit: null, credit: '5.000', memo: null },
      ],
    },
  },
];

describe('golden ledger entries', () => {
  let prev = GENESIS_HASH;
  const chained = ENTRIES.map(({ name, entry }) => {
    const hash = entryHash(prev, entry);
    const row = { name, entry, prevHash: prev, hash };
    prev = hash;
    return row;
  });

  it.each(chained.map((c) => [c.name, c] as const))('%s: canonical bytes and hash are exactly the golden ones', (name, c) => {
    const canonicalPath = join(DIR, `${name}.canonical.json`);
    const hashPath = join(DIR, `${name}.sha256`);
    if (UPDATE) {
      writeFileSync(canonicalPath, canonicalEntry(c.entry));
      writeFileSync(hashPath, `${c.hash}\n`);
    }
    expect(existsSync(canonicalPath)).toBe(true);
    expect(canonicalEntry(c.entry)).toBe(readFileSync(canonicalPath, 'utf8'));
    expect(`${c.hash}\n`).toBe(readFileSync(hashPath, 'utf8'));
  });

  it('links each golden entry to the previous golden hash', () => {
    const hashes = chained.map((c) => readFileSync(join(DIR, `${c.name}.sha256`), 'utf8').trim());
    expect(entryHash(GENESIS_HASH, ENTRIES[0].entry)).toBe(hashes[0]);
    expect(entryHash(hashes[0], ENTRIES[1].entry)).toBe(hashes[1]);
    expect(entryHash(hashes[1], ENTRIES[2].entry)).toBe(hashes[2]);
  });
});
