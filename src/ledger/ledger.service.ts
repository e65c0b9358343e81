import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../auth/principal';
import { scopeOf, vendorScope } from '../auth/scope';
import { CommonError, CommonErrorCode, notFound } from '../common/errors/common.errors';
import { DomainException, type FieldError } from '../common/errors/domain-exception';
import { Money } from '../common/money';
import { DECIMAL_PATTERN, isCalendarDate, isOffsetTimestamp } from '../common/validation/decorators';
import { isIsoCurrency, minorUnits } from '../kernel/currency';
import {
  canonicalEntry,
  ChainEntry,
  ChainEntryContent,
  ChainReport,
  ChainVerifier,
  entryHash,
  GENESIS_HASH,
  isBalanced,
  JournalKind,
  normalizeAmount,
  normalizeEffectiveAt,
  ReferenceType,
} from './chain';
import {
  AccountBalanceView,
  BalanceQuery,
  BalancesView,
  CheckpointChainReportView,
  EntryListQuery,
  JournalEntryPage,
  JournalEntryView,
  LedgerCheckpointPage,
} from './dto/ledger.dto';
import type { PageQuery } from '../common/http/pagination';
import { EntryRow, JournalRepository } from './journal.repository';
import { CHECKPOINT_FORMAT, checkpointPayload, checkpointSignatureValid, LedgerCheckpoint, parseCheckpoint } from './checkpoint';
import { CheckpointRepository } from './checkpoint.repository';
import { SigningKeysService } from '../parties/signing-keys.service';
import { LedgerError, LedgerErrorCode } from './ledger.errors';
import { metrics } from '../observability/metrics';

export interface JournalLineInput {
  account: string;
  currency: string;
  /** Exactly one of debit/credit: a positive decimal string with at most the currency's minor-unit decimals. */
  debit?: string;
  credit?: string;
  memo?: string;
}

export interface JournalEntryInput {
  kind: JournalKind;
  reference: { type: ReferenceType; id: string };
  contractId?: string;
  customerId?: string;
  description: string;
  /** ISO 8601 with offset, or YYYY-MM-DD: the business date. */
  effectiveAt: string;
  lines: JournalLineInput[];
}

export interface PostedEntry {
  id: string;
  sequence: string;
  hash: string;
  prevHash: string;
}

const KINDS: readonly JournalKind[] = ['invoice_finalized', 'credit_note', 'payment'];
const REFERENCE_TYPES: readonly ReferenceType[] = ['invoice', 'credit_note', 'payment'];
const ACCOUNT = /^[a-z_]+(:[A-Za-z0-9_.-]+)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Verification reads the chain in batches of this many entries (lines aggregated in SQL). */
const VERIFY_BATCH = 5000;

/** An entry as checked and normalised before it is hashed; `sequence` is given by the chain head. */
export function journalContentOrThrow(vendorId: string, input: JournalEntryInput): Omit<ChainEntryContent, 'sequence'> {
  const errors: FieldError[] = [];
  const err = (field: string, message: string) => errors.push({ field, message });
  if (!KINDS.includes(input.kind)) err('kind', `must be one of ${KINDS.join(', ')}`);
  if (!input.reference || !REFERENCE_TYPES.includes(input.reference.type)) err('reference.type', `must be one of ${REFERENCE_TYPES.join(', ')}`);
  if (typeof input.reference?.id !== 'string' || input.reference.id.length < 1 || input.reference.id.length > 200)
    err('reference.id', 'must be 1 to 200 characters');
  for (const f of ['contractId', 'customerId'] as const)
    if (input[f] !== undefined && input[f] !== null && !UUID.test(String(input[f]))) err(f, 'must be a UUID');
  if (typeof input.description !== 'string' || input.description.length < 1 || input.description.length > 1000)
    err('description', 'must be 1 to 1000 characters');
  if (!isCalendarDate(input.effectiveAt) && !isOffsetTimestamp(input.effectiveAt))
    err('effectiveAt', 'must be YYYY-MM-DD or an ISO 8601 timestamp with offset');
  const lines = Array.isArray(input.lines) ? input.lines : [];
  if (lines.length < 2) err('lines', 'an entry needs at least two lines');
  if (lines.length > 1000) err('lines', 'at most 1000 lines');
  const normalized = lines.map((l, i) => {
    const at = `lines[${i}]`;
    if (typeof l.account !== 'string' || l.account.length > 200 || !ACCOUNT.test(l.account))
      err(`${at}.account`, 'must look like receivable:<customerId>, revenue:<componentType>, tax_payable or cash');
    const currencyOk = typeof l.currency === 'string' && isIsoCurrency(l.currency);
    if (!currencyOk) err(`${at}.currency`, 'must be an ISO 4217 currency code');
    const sides = (['debit', 'credit'] as const).filter((s) => l[s] !== undefined && l[s] !== null);
    if (sides.length !== 1) err(at, 'exactly one of debit or credit must be given');
    for (const side of sides) {
      const v = l[side]!;
      if (typeof v !== 'string' || !DECIMAL_PATTERN.test(v) || !new Money(v).gt(0)) err(`${at}.${side}`, 'must be a positive decimal string');
      else if (currencyOk && new Money(v).decimalPlaces() > minorUnits(l.currency))
        err(`${at}.${side}`, `must be rounded to ${minorUnits(l.currency)} decimals for ${l.currency}`);
    }
    if (l.memo !== undefined && l.memo !== null && (typeof l.memo !== 'string' || l.memo.length > 1000)) err(`${at}.memo`, 'at most 1000 characters');
    const amount = (v: string | undefined) =>
      typeof v === 'string' && currencyOk && DECIMAL_PATTERN.test(v) ? normalizeAmount(v, l.currency) : null;
    return { account: l.account, currency: l.currency, debit: amount(l.debit), credit: amount(l.credit), memo: l.memo ?? null };
  });
  if (errors.length)
    throw LedgerError.create(LedgerErrorCode.JOURNAL_ENTRY_INVALID, errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  if (!isBalanced(normalized))
    throw LedgerError.create(LedgerErrorCode.JOURNAL_ENTRY_UNBALANCED, 'debits and credits differ in at least one currency', [
      { field: 'lines', message: 'debits must equal credits in each currency' },
    ]);
  return {
    vendorId,
    kind: input.kind,
    reference: { type: input.reference.type, id: input.reference.id },
    contractId: input.contractId ?? null,
    customerId: input.customerId ?? null,
    description: input.description,
    effectiveAt: normalizeEffectiveAt(input.effectiveAt),
    lines: normalized,
  };
}

/** A journal entry row as SQL gives it, enough to rebuild the hashed entry (also read by the evidence bundle). */
export type ChainEntryRow = Omit<EntryRow, 'posted_at' | 'lines'> & {
  lines: Array<{ account: string; currency: string; debit: string | null; credit: string | null; memo: string | null }>;
};

export function toChainEntry(vendorId: string, r: ChainEntryRow): ChainEntry {
  return {
    id: r.id,
    vendorId,
    sequence: r.sequence,
    kind: r.kind,
    reference: { type: r.reference_type, id: r.reference_id },
    contractId: r.contract_id,
    customerId: r.customer_id,
    description: r.description,
    effectiveAt: r.effective_at,
    lines: r.lines.map((l) => ({ account: l.account, currency: l.currency, debit: l.debit, credit: l.credit, memo: l.memo })),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

function toEntryView(r: EntryRow): JournalEntryView {
  return {
    id: r.id,
    sequence: r.sequence,
    kind: r.kind,
    reference: { type: r.reference_type, id: r.reference_id },
    contractId: r.contract_id,
    customerId: r.customer_id,
    description: r.description,
    effectiveAt: r.effective_at,
    postedAt: new Date(r.posted_at).toISOString(),
    prevHash: r.prev_hash,
    hash: r.hash,
    lines: r.lines.map((l) => ({
      lineNo: l.line_no,
      account: l.account,
      currency: l.currency,
      debit: l.debit === null ? null : normalizeAmount(l.debit, l.currency),
      credit: l.credit === null ? null : normalizeAmount(l.credit, l.currency),
      memo: l.memo,
    })),
  };
}

const encodeSequenceCursor = (sequence: string) => Buffer.from(`seq:${sequence}`, 'utf8').toString('base64url');
function decodeSequenceCursor(cursor: string): string {
  const m = /^seq:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw CommonError.create(CommonErrorCode.INVALID_CURSOR);
  return m[1];
}

/** Checkpoints page on (sequence, key): a rotation signs one sequence with two keys. */
function decodeCheckpointCursor(cursor: string): { sequence: string; keyId: string } {
  const m = /^cp:(\d{1,19}):([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw CommonError.create(CommonErrorCode.INVALID_CURSOR);
  return { sequence: m[1], keyId: m[2] };
}

@Injectable()
export class LedgerService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly journal: JournalRepository,
    private readonly checkpoints: CheckpointRepository,
    private readonly signingKeys: SigningKeysService,
  ) {}

  /**
   * Posts one balanced entry at the head of the vendor's chain, inside the caller's transaction.
   * The head row stays locked until that transaction ends: postings of one vendor are serialized,
   * other vendors are not affected. Posting the same entry again for the same reference and kind
   * returns the entry already posted; a different entry for it is a conflict.
   */
  async post(em: EntityManager, vendorId: string, input: JournalEntryInput): Promise<PostedEntry> {
    const scope = vendorScope(vendorId);
    const content = journalContentOrThrow(vendorId, input);
    const head = await this.journal.lockHead(scope, GENESIS_HASH, em);
    const sequence = (BigInt(head.sequence) + 1n).toString();
    const hash = entryHash(head.hash, { ...content, sequence });
    // An entry already posted for this reference and kind (necessarily committed: we hold the
    // head) makes the insert write nothing.
    const id = await this.journal.insertEntry(scope, content, { sequence, prevHash: head.hash, hash }, em);
    if (!id) return this.alreadyPosted(em, content);
    await this.journal.advanceHead(scope, { sequence, hash }, em);
    metrics.ledgerPostings.inc({ kind: content.kind });
    return { id, sequence, hash, prevHash: head.hash };
  }

  /**
   * Posts many balanced entries at the head of the vendor's chain in the caller's transaction: one
   * lock of the head, one multi-row INSERT of the entries and their lines, one move of the head
   * (a billing run finalizing many invoices). Every entry is checked before anything is written:
   * one invalid or unbalanced entry refuses the whole batch (its fields named `entries[i].…`).
   * Answers in input order; an entry already posted for its reference and kind answers that entry
   * (a different one is a conflict), as `post` does, and takes no place in the chain.
   */
  async postBatch(em: EntityManager, vendorId: string, inputs: JournalEntryInput[]): Promise<PostedEntry[]> {
    const scope = vendorScope(vendorId);
    const contents = inputs.map((input, i) => {
      try {
        return journalContentOrThrow(vendorId, input);
      } catch (e) {
        if (!(e instanceof DomainException)) throw e;
        const errors = (e.errors ?? []).map((f) => ({ ...f, field: `entries[${i}].${f.field}` }));
        throw LedgerError.create(e.code as LedgerErrorCode, `entries[${i}]: ${e.detail ?? e.title}`, errors);
      }
    });
    const refKey = (c: { kind: string; reference: { type: string; id: string } }) => `${c.kind}\u0000${c.reference.type}\u0000${c.reference.id}`;
    const firstOf = new Map<string, number>();
    contents.forEach((c, i) => {
      const k = refKey(c);
      const at = firstOf.get(k);
      if (at === undefined) firstOf.set(k, i);
      // The same reference twice in one batch: the same entry is one posting, a different one a conflict.
      else if (canonicalEntry({ ...c, sequence: '0' }) !== canonicalEntry({ ...contents[at], sequence: '0' }))
        throw LedgerError.create(LedgerErrorCode.JOURNAL_ENTRY_CONFLICT, `entries[${i}] and entries[${at}] record ${c.kind} for ${c.reference.type} ${c.reference.id} differently`);
    });
    if (contents.length === 0) return [];

    const head = await this.journal.lockHead(scope, GENESIS_HASH, em);
    // Under the head lock, what is already posted is committed and stays as it is.
    const posted = new Map<string, PostedEntry>();
    const unique = [...firstOf.values()].map((i) => contents[i]);
    const existing = await this.journal.entriesOfReferences(
      scope,
      unique.map((c) => ({ type: c.reference.type, id: c.reference.id, kind: c.kind })),
      em,
    );
    for (const row of existing) {
      const stored = toChainEntry(vendorId, row);
      const content = contents[firstOf.get(refKey(stored))!];
      if (canonicalEntry(stored) !== canonicalEntry({ ...content, sequence: stored.sequence }))
        throw LedgerError.create(
          LedgerErrorCode.JOURNAL_ENTRY_CONFLICT,
          `entry ${stored.id} (sequence ${stored.sequence}) already records ${content.kind} for ${content.reference.type} ${content.reference.id}`,
        );
      posted.set(refKey(stored), { id: stored.id, sequence: stored.sequence, hash: stored.hash, prevHash: stored.prevHash });
    }

    // The new entries, chained in input order from the head.
    let prev = { sequence: BigInt(head.sequence), hash: head.hash };
    const fresh = unique
      .filter((c) => !posted.has(refKey(c)))
      .map((content) => {
        const sequence = (prev.sequence + 1n).toString();
        const hash = entryHash(prev.hash, { ...content, sequence });
        const link = { sequence, prevHash: prev.hash, hash };
        prev = { sequence: prev.sequence + 1n, hash };
        return { content, link };
      });
    if (fresh.length) {
      const ids = await this.journal.insertEntries(scope, fresh, em);
      if (ids.size !== fresh.length) throw new Error(`ledger batch: ${fresh.length - ids.size} entries were not written under the head lock`);
      await this.journal.advanceHead(scope, { sequence: prev.sequence.toString(), hash: prev.hash }, em);
      for (const f of fresh) {
        posted.set(refKey(f.content), { id: ids.get(f.link.sequence)!, sequence: f.link.sequence, hash: f.link.hash, prevHash: f.link.prevHash });
        metrics.ledgerPostings.inc({ kind: f.content.kind });
      }
    }
    return contents.map((c) => posted.get(refKey(c))!);
  }

  /** A repeated posting answers with the entry already posted; a different entry for that reference is a conflict. */
  private async alreadyPosted(em: EntityManager, content: Omit<ChainEntryContent, 'sequence'>): Promise<PostedEntry> {
    const existing = await this.journal.entryOfReference(
      vendorScope(content.vendorId),
      { type: content.reference.type, id: content.reference.id, kind: content.kind },
      em,
    );
    const stored = toChainEntry(content.vendorId, existing!);
    if (canonicalEntry(stored) !== canonicalEntry({ ...content, sequence: stored.sequence }))
      throw LedgerError.create(
        LedgerErrorCode.JOURNAL_ENTRY_CONFLICT,
        `entry ${stored.id} (sequence ${stored.sequence}) already records ${content.kind} for ${content.reference.type} ${content.reference.id}`,
      );
    return { id: stored.id, sequence: stored.sequence, hash: stored.hash, prevHash: stored.prevHash };
  }

  /** Newest first, keyset on the sequence. */
  async list(p: Principal, q: EntryListQuery): Promise<JournalEntryPage> {
    const limit = q.limit ?? 50;
    const rows = await this.journal.list(scopeOf(p), {
      beforeSequence: q.cursor ? decodeSequenceCursor(q.cursor) : undefined,
      contractId: q.contractId,
      account: q.account,
      limit,
    });
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return { data: page.map(toEntryView), nextCursor: more ? encodeSequenceCursor(page[page.length - 1].sequence) : null };
  }

  async get(p: Principal, id: string): Promise<JournalEntryView> {
    const row = await this.journal.find(scopeOf(p), id);
    if (!row) throw notFound('journal entry', id);
    return toEntryView(row);
  }

  /** Debits, credits and balance (debit − credit) per account and currency, summed in SQL. */
  async balances(p: Principal, q: BalanceQuery): Promise<BalancesView> {
    const rows = await this.journal.balances(scopeOf(p), { account: q.account, accountPrefix: q.accountPrefix, currency: q.currency });
    const data: AccountBalanceView[] = rows.map((r) => ({
      account: r.account,
      currency: r.currency,
      debit: normalizeAmount(r.debit, r.currency),
      credit: normalizeAmount(r.credit, r.currency),
      balance: normalizeAmount(r.balance, r.currency),
    }));
    return { data };
  }

  /**
   * Walks the vendor's chain from genesis in sequence order, in batches, recomputing each hash and
   * link and checking each entry balances; names the first broken link. Every stored checkpoint
   * (its signature checked against the vendor's keys) and the caller's `kept` one hold the walk:
   * the entry at a checkpoint's sequence must still have the hash it signed. Runs in one
   * REPEATABLE READ snapshot so that the head and the entries agree while postings go on.
   */
  async verify(vendorId: string, kept?: LedgerCheckpoint): Promise<ChainReport> {
    const scope = vendorScope(vendorId);
    const publicKeys = await this.publicKeys(vendorId);
    return this.db.transaction('REPEATABLE READ', async (em) => {
      await em.query('SET TRANSACTION READ ONLY');
      const head = await this.journal.head(scope, em);
      const verifier = new ChainVerifier();
      if (kept) verifier.expect(kept);
      for (const genesis of await this.checkpoints.at(scope, '0', em)) verifier.expect(genesis);
      let after = '0';
      for (;;) {
        const rows = await this.journal.chainBatch(scope, { after, limit: VERIFY_BATCH }, em);
        const through = rows.length < VERIFY_BATCH ? '9223372036854775807' : rows[rows.length - 1].sequence;
        for (const c of await this.checkpoints.between(scope, after, through, em)) {
          // A stored checkpoint that does not verify was written without the vendor's key.
          if (!checkpointSignatureValid(c, publicKeys.get(c.keyId) ?? '')) {
            verifier.fail({ sequence: c.sequence, entryId: null, reason: 'checkpoint_signature_invalid' });
            return verifier.report();
          }
          verifier.expect(c);
        }
        for (const r of rows) if (verifier.push(toChainEntry(vendorId, r))) return verifier.report();
        if (rows.length < VERIFY_BATCH) break;
        after = rows[rows.length - 1].sequence;
      }
      return verifier.report(head ?? undefined);
    });
  }

  /** `verify`, held to a checkpoint the caller kept: its shape and signature are checked first (422 otherwise). */
  async verifyAgainst(vendorId: string, input: unknown): Promise<CheckpointChainReportView> {
    const kept = await this.authenticCheckpoint(vendorId, input);
    const report = await this.verify(vendorId, kept);
    // Extended: the walk passed the checkpoint's entry, unchanged (a break later on is reported beside it).
    const extended = !report.firstBroken || BigInt(report.firstBroken.sequence) > BigInt(kept.sequence);
    return { ...report, checkpoint: { sequence: kept.sequence, hash: kept.hash, signedAt: kept.signedAt, extended } };
  }

  /** A checkpoint given by a caller: well-formed, of this vendor, signed by one of its keys (retired ones too). */
  async authenticCheckpoint(vendorId: string, input: unknown): Promise<LedgerCheckpoint> {
    const parsed = parseCheckpoint(input);
    if ('problem' in parsed)
      throw LedgerError.create(LedgerErrorCode.CHECKPOINT_INVALID, parsed.problem, [{ field: 'checkpoint', message: parsed.problem }]);
    const c = parsed.checkpoint;
    if (c.vendorId !== vendorId)
      throw LedgerError.create(LedgerErrorCode.CHECKPOINT_INVALID, 'the checkpoint is of another vendor', [
        { field: 'checkpoint.vendorId', message: 'must be the caller’s vendor' },
      ]);
    const publicKeys = await this.publicKeys(vendorId);
    if (!checkpointSignatureValid(c, publicKeys.get(c.keyId) ?? ''))
      throw LedgerError.create(LedgerErrorCode.CHECKPOINT_SIGNATURE_INVALID, `no signing key ${c.keyId} of this vendor made this signature`, [
        { field: 'checkpoint.signature', message: 'does not verify' },
      ]);
    return c;
  }

  /**
   * A signed checkpoint of the vendor's current head: the one the vendor's active evidence key
   * already signed for that sequence, or a new one signed now. If a checkpoint signed earlier at
   * that sequence names another hash, the head was rewritten: nothing is signed (409).
   */
  async checkpoint(vendorId: string, at?: { sequence: string; hash: string }): Promise<LedgerCheckpoint> {
    const scope = vendorScope(vendorId);
    // `at`: a head the caller read in its own snapshot (an evidence export signs the head it exported).
    const head = at ?? (await this.head(vendorId, this.db.manager));
    const signed = await this.checkpoints.at(scope, head.sequence);
    for (const c of signed) this.unlessDiverged(c, head);
    const signer = await this.signingKeys.signer(vendorId);
    const byActiveKey = signed.find((c) => c.keyId === signer.keyId);
    if (byActiveKey) return byActiveKey;
    const unsigned: Omit<LedgerCheckpoint, 'signature'> = {
      format: CHECKPOINT_FORMAT,
      vendorId,
      sequence: head.sequence,
      hash: head.hash,
      signedAt: new Date().toISOString(),
      keyId: signer.keyId,
      publicKeyFingerprint: signer.fingerprint,
      algorithm: 'Ed25519',
    };
    const stored = await this.checkpoints.insert(scope, { ...unsigned, signature: signer.sign(checkpointPayload(unsigned)).toString('base64') });
    return this.unlessDiverged(stored, head);
  }

  private unlessDiverged(c: LedgerCheckpoint, head: { sequence: string; hash: string }): LedgerCheckpoint {
    if (c.hash !== head.hash)
      throw LedgerError.create(
        LedgerErrorCode.CHECKPOINT_DIVERGES,
        `the checkpoint signed at ${c.signedAt} names hash ${c.hash} for sequence ${c.sequence}; the head now says ${head.hash}`,
      );
    return c;
  }

  /** Checkpoints signed so far, newest first. */
  async listCheckpoints(vendorId: string, q: PageQuery): Promise<LedgerCheckpointPage> {
    const limit = q.limit ?? 50;
    const rows = await this.checkpoints.list(vendorScope(vendorId), { before: q.cursor ? decodeCheckpointCursor(q.cursor) : undefined, limit });
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return { data: page, nextCursor: more ? Buffer.from(`cp:${last.sequence}:${last.keyId}`, 'utf8').toString('base64url') : null };
  }

  /** keyId → public key PEM, every key the vendor ever signed with. */
  private async publicKeys(vendorId: string): Promise<Map<string, string>> {
    return new Map((await this.signingKeys.list(vendorId)).map((k) => [k.keyId, k.publicKeyPem]));
  }

  /** The chain after `after` through `through`, one batch, amounts without trailing zeros (the evidence bundle's reader). */
  chainBatch(vendorId: string, q: { after: string; through: string; limit: number }, em: EntityManager): Promise<ChainEntryRow[]> {
    return this.journal.chainBatch(vendorScope(vendorId), { ...q, trimAmounts: true }, em);
  }

  /** The vendor's chain head, or genesis. */
  async head(vendorId: string, em: EntityManager): Promise<{ sequence: string; hash: string }> {
    return (await this.journal.head(vendorScope(vendorId), em)) ?? { sequence: '0', hash: GENESIS_HASH };
  }
}
