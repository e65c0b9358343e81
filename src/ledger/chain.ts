// The ledger's hash chain as plain functions: no Nest, no TypeORM. The service posts and verifies
// with them, and the offline evidence-bundle verifier re-checks an exported chain with the same code.
//
//   hash(n) = sha256Hex(prevHash(n) + canonicalEntry(entry n)),   prevHash(1) = GENESIS_HASH
//
// canonicalEntry is canonicalJson (sorted keys, no whitespace) of the entry's business content;
// amounts are plain decimal strings with at least the currency's minor-unit decimals ("100.00"),
// absent fields are null. Changing any of this changes every hash: the test vector in
// chain.spec.ts pins it.
import type Decimal from 'decimal.js';
import { canonicalJson, sha256Hex } from '../kernel/canonical-json';
import { isIsoCurrency, minorUnits } from '../kernel/currency';
import { atLeastPlaces, Dec } from '../kernel/decimal';

export const GENESIS_HASH = '0'.repeat(64);

export type JournalKind = 'invoice_finalized' | 'credit_note' | 'payment';
export type ReferenceType = 'invoice' | 'credit_note' | 'payment';

export interface ChainLine {
  account: string;
  currency: string;
  /** Decimal string or null; exactly one of debit/credit is set. */
  debit: string | null;
  credit: string | null;
  memo: string | null;
}

/** What is hashed: the entry's business content and its place in the vendor's chain. */
export interface ChainEntryContent {
  vendorId: string;
  /** 1-based, gapless per vendor; a string because it is a bigint. */
  sequence: string;
  kind: JournalKind;
  reference: { type: ReferenceType; id: string };
  contractId: string | null;
  customerId: string | null;
  description: string;
  /** `YYYY-MM-DD`, or a UTC timestamp `YYYY-MM-DDTHH:mm:ss.sssZ` (see normalizeEffectiveAt). */
  effectiveAt: string;
  lines: ChainLine[];
}

/** A stored entry: its content, its id and its two links. */
export interface ChainEntry extends ChainEntryContent {
  id: string;
  prevHash: string;
  hash: string;
}

/**
 * An entry whose content is withheld (an evidence bundle redacts other contracts' entries): its
 * id, place and two links only. It cannot be re-hashed, but it still links the chain: the next
 * entry's prevHash must equal its hash, and its prevHash must equal the previous entry's hash.
 */
export interface RedactedChainEntry {
  redacted: true;
  id: string;
  sequence: string;
  prevHash: string;
  hash: string;
}

export function isRedacted(entry: ChainEntry | RedactedChainEntry): entry is RedactedChainEntry {
  return (entry as RedactedChainEntry).redacted === true;
}

/**
 * `checkpoint_signature_invalid`: a checkpoint presented as the vendor's was not signed by its key.
 * `checkpoint_mismatch`: the entry at a signed checkpoint's sequence no longer has the hash the
 * checkpoint recorded (history was rewritten, however consistently); `checkpoint_beyond_head`: the
 * chain ends before a checkpoint's sequence (entries were removed and the head moved back).
 */
export type BrokenReason =
  | 'hash_mismatch'
  | 'prev_hash_mismatch'
  | 'unbalanced'
  | 'sequence_gap'
  | 'checkpoint_mismatch'
  | 'checkpoint_beyond_head'
  | 'checkpoint_signature_invalid';
export const BROKEN_REASONS: readonly BrokenReason[] = [
  'hash_mismatch',
  'prev_hash_mismatch',
  'unbalanced',
  'sequence_gap',
  'checkpoint_mismatch',
  'checkpoint_beyond_head',
  'checkpoint_signature_invalid',
];

export interface BrokenLink {
  sequence: string;
  /** Null when the entry at that sequence is missing altogether. */
  entryId: string | null;
  reason: BrokenReason;
}

export interface ChainReport {
  ok: boolean;
  /** Entries walked. */
  entries: number;
  /** Stored hash of the last entry walked (GENESIS_HASH for an empty chain). */
  headHash: string;
  /** Signed checkpoints the walk held the chain to (each must name an entry the chain still has, unchanged). */
  checkpoints?: number;
  firstBroken?: BrokenLink;
}

/**
 * An amount as it is hashed: plain notation with the currency's minor-unit decimals, or more if the
 * value really has more ("100" → "100.00", "100.000000000000" → "100.00", "100.004" → "100.004").
 * Never rounds, so a changed digit is never hidden.
 */
export function normalizeAmount(value: string, currency: string): string {
  const minor = isIsoCurrency(currency) ? minorUnits(currency) : 2;
  return atLeastPlaces(new Dec(value), minor);
}

/** A business date stays `YYYY-MM-DD`; a timestamp becomes UTC with milliseconds. */
export function normalizeEffectiveAt(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new RangeError(`effectiveAt is not a date or timestamp: ${value}`);
  return new Date(t).toISOString();
}

/** The exact string that is hashed for an entry. */
export function canonicalEntry(entry: ChainEntryContent): string {
  return canonicalJson({
    vendorId: entry.vendorId,
    sequence: String(entry.sequence),
    kind: entry.kind,
    reference: { type: entry.reference.type, id: entry.reference.id },
    contractId: entry.contractId ?? null,
    customerId: entry.customerId ?? null,
    description: entry.description,
    effectiveAt: entry.effectiveAt,
    lines: entry.lines.map((l) => ({
      account: l.account,
      currency: l.currency,
      debit: l.debit === null || l.debit === undefined ? null : normalizeAmount(l.debit, l.currency),
      credit: l.credit === null || l.credit === undefined ? null : normalizeAmount(l.credit, l.currency),
      memo: l.memo ?? null,
    })),
  });
}

export function entryHash(prevHash: string, entry: ChainEntryContent): string {
  return sha256Hex(prevHash + canonicalEntry(entry));
}

/** Debits equal credits in every currency, with at least two lines, each with exactly one positive side. */
export function isBalanced(lines: ChainLine[]): boolean {
  if (lines.length < 2) return false;
  const net = new Map<string, Decimal>();
  for (const l of lines) {
    const hasDebit = l.debit !== null && l.debit !== undefined;
    const hasCredit = l.credit !== null && l.credit !== undefined;
    if (hasDebit === hasCredit) return false;
    const amount = new Dec(hasDebit ? l.debit! : l.credit!);
    if (!amount.isPositive() || amount.isZero()) return false;
    net.set(l.currency, (net.get(l.currency) ?? new Dec(0)).plus(hasDebit ? amount : amount.negated()));
  }
  return [...net.values()].every((v) => v.isZero());
}

/**
 * The one chain walk: one entry at a time (entries in sequence order), so that a database cursor
 * or an archive can be verified in constant memory. Each entry must follow the last sequence, link
 * to the last hash, hash to its stored hash and balance; a redacted entry is checked by its links
 * only. Stops judging at the first broken link.
 */
export class ChainVerifier {
  private count = 0;
  private redactedCount = 0;
  private lastSequence = 0n;
  private lastHash = GENESIS_HASH;
  private lastId: string | null = null;
  private broken: BrokenLink | undefined;
  /** sequence → hash of checkpoints still ahead of the walk. */
  private readonly expected = new Map<string, string>();
  private checkpointCount = 0;
  private genesisHeld = false;

  /**
   * Holds the walk to a checkpoint (its signature already checked by the caller): when the entry at
   * its sequence is pushed, its hash must be the checkpoint's. Call before that entry is pushed.
   */
  expect(checkpoint: { sequence: string; hash: string }): void {
    if (checkpoint.sequence === '0') {
      // Genesis: every chain extends it, if it names the genesis hash.
      if (!this.genesisHeld) this.checkpointCount++;
      this.genesisHeld = true;
      if (checkpoint.hash !== GENESIS_HASH) this.broken ??= { sequence: '0', entryId: null, reason: 'checkpoint_mismatch' };
      return;
    }
    const known = this.expected.get(checkpoint.sequence);
    if (known === undefined) this.checkpointCount++;
    // Two checkpoints naming different hashes for one sequence: one of them cannot hold.
    if (known !== undefined && known !== checkpoint.hash) this.expected.set(checkpoint.sequence, '!conflict');
    else this.expected.set(checkpoint.sequence, checkpoint.hash);
  }

  /** Ends the walk at a break found outside it (a forged checkpoint). */
  fail(link: BrokenLink): void {
    this.broken ??= link;
  }

  /** Feeds the next entry; returns the first broken link once there is one. */
  push(entry: ChainEntry | RedactedChainEntry): BrokenLink | undefined {
    if (this.broken) return this.broken;
    this.count++;
    const expected = this.lastSequence + 1n;
    const at = (reason: BrokenReason): BrokenLink => (this.broken = { sequence: String(entry.sequence), entryId: entry.id, reason });
    if (BigInt(entry.sequence) !== expected) {
      // Name the first missing sequence: that is where the chain breaks.
      this.broken = {
        sequence: String(expected),
        entryId: BigInt(entry.sequence) > expected ? null : entry.id,
        reason: 'sequence_gap',
      };
      return this.broken;
    }
    if (entry.prevHash !== this.lastHash) return at('prev_hash_mismatch');
    if (isRedacted(entry)) this.redactedCount++;
    else {
      if (entryHash(entry.prevHash, entry) !== entry.hash) return at('hash_mismatch');
      if (!isBalanced(entry.lines)) return at('unbalanced');
    }
    const kept = this.expected.get(String(expected));
    if (kept !== undefined) {
      this.expected.delete(String(expected));
      if (kept !== entry.hash) return at('checkpoint_mismatch');
    }
    this.lastSequence = expected;
    this.lastHash = entry.hash;
    this.lastId = entry.id;
    return undefined;
  }

  /** The last entry that passed (sequence "0" and GENESIS_HASH before the first). */
  get head(): { sequence: string; hash: string } {
    return { sequence: String(this.lastSequence), hash: this.lastHash };
  }

  /** Entries walked so far that were redacted (checked by their links only). */
  get redacted(): number {
    return this.redactedCount;
  }

  /**
   * The verdict. With `head` (the stored chain head), entries missing at the end of the chain are
   * caught too: the head names a sequence and hash that the walk must have reached.
   */
  report(head?: { sequence: string; hash: string }): ChainReport {
    let broken = this.broken;
    if (!broken && head) {
      const headSeq = BigInt(head.sequence);
      if (headSeq > this.lastSequence) broken = { sequence: String(this.lastSequence + 1n), entryId: null, reason: 'sequence_gap' };
      else if (headSeq === this.lastSequence && head.hash !== this.lastHash)
        broken = { sequence: String(this.lastSequence), entryId: this.lastId, reason: 'hash_mismatch' };
    }
    if (!broken && this.expected.size) {
      const first = [...this.expected.keys()].map(BigInt).reduce((a, b) => (b < a ? b : a));
      broken = { sequence: String(first), entryId: null, reason: 'checkpoint_beyond_head' };
    }
    return {
      ok: !broken,
      entries: this.count,
      headHash: this.lastHash,
      ...(this.checkpointCount ? { checkpoints: this.checkpointCount } : {}),
      ...(broken ? { firstBroken: broken } : {}),
    };
  }
}

/** Verifies a whole chain given in sequence order. */
export function verifyChain(entries: Iterable<ChainEntry | RedactedChainEntry>, head?: { sequence: string; hash: string }): ChainReport {
  const v = new ChainVerifier();
  for (const e of entries) if (v.push(e)) break;
  return v.report(head);
}
