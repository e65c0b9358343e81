import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scope, scopeSql, vendorScope } from '../auth/scope';
import { Params, Queryable } from '../common/sql';
import type { ChainEntryContent, JournalKind, ReferenceType } from './chain';

/** A journal entry as SQL gives it, its lines aggregated in line order; `numeric` read back as text. */
export interface EntryRow {
  id: string;
  sequence: string;
  kind: JournalKind;
  reference_type: ReferenceType;
  reference_id: string;
  contract_id: string | null;
  customer_id: string | null;
  description: string;
  effective_at: string;
  posted_at: Date;
  prev_hash: string;
  hash: string;
  lines: Array<{ line_no: number; account: string; currency: string; debit: string | null; credit: string | null; memo: string | null }>;
}

/** Entries with their lines aggregated in SQL, in line order; `trim` drops numeric's trailing zeros (the bundle's form). */
const entrySelect = (trim = false) => {
  const amount = (col: string) => (trim ? `trim_scale(${col})::text` : `${col}::text`);
  return `
  SELECT e.id, e.sequence::text AS sequence, e.kind, e.reference_type, e.reference_id, e.contract_id, e.customer_id,
         e.description, e.effective_at, e.posted_at, e.prev_hash, e.hash,
         coalesce((SELECT json_agg(json_build_object('line_no', l.line_no, 'account', l.account, 'currency', l.currency,
                                                     'debit', ${amount('l.debit')}, 'credit', ${amount('l.credit')}, 'memo', l.memo)
                                   ORDER BY l.line_no)
                     FROM journal_lines l WHERE l.vendor_id = e.vendor_id AND l.entry_id = e.id), '[]'::json) AS lines
    FROM journal_entries e`;
};

/** Entries in a scope: an auditor's grant sees the entries of its contracts, a customer its own. */
function entryScope(scope: Scope, ps: Params): string {
  return scopeSql(scope, { vendorId: 'e.vendor_id', contractId: 'e.contract_id', customerId: 'e.customer_id' }, ps.values);
}

/** Lines follow their entry's scope. */
function lineScope(scope: Scope, ps: Params): string {
  const ofEntry = (col: string) => `(SELECT e.${col} FROM journal_entries e WHERE e.vendor_id = l.vendor_id AND e.id = l.entry_id)`;
  return scopeSql(scope, { vendorId: 'l.vendor_id', contractId: ofEntry('contract_id'), customerId: ofEntry('customer_id') }, ps.values);
}

/**
 * The only code that speaks SQL to `journal_entries`, `journal_lines` and `ledger_heads`. The
 * journal is append-only: entries and lines are inserted, never updated or deleted; only the
 * head moves.
 */
@Injectable()
export class JournalRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The vendor's chain head, locked FOR UPDATE until the caller's transaction ends (created at genesis if missing). */
  async lockHead(scope: Scope, genesisHash: string, em: Queryable): Promise<{ sequence: string; hash: string }> {
    const select = `SELECT sequence::text AS sequence, hash FROM ledger_heads WHERE vendor_id = $1 FOR UPDATE`;
    let [head] = await em.query(select, [scope.vendorId]);
    if (!head) {
      await em.query(`INSERT INTO ledger_heads (vendor_id, sequence, hash) VALUES ($1, 0, $2) ON CONFLICT (vendor_id) DO NOTHING`, [
        scope.vendorId,
        genesisHash,
      ]);
      [head] = await em.query(select, [scope.vendorId]);
    }
    return head;
  }

  /** The head as it is (no lock), or null before the first entry. */
  async head(scope: Scope, em: Queryable = this.db.manager): Promise<{ sequence: string; hash: string } | null> {
    const ps = new Params();
    // The head is the vendor's, whatever the scope's contracts: every key of the vendor may see it.
    const where = scopeSql(vendorScope(scope.vendorId), { vendorId: 'h.vendor_id' }, ps.values);
    const [head] = await em.query(`SELECT h.sequence::text AS sequence, h.hash FROM ledger_heads h WHERE ${where}`, ps.values);
    return head ?? null;
  }

  /**
   * The entry and its lines in one statement, at `sequence`. An entry already posted for this
   * reference and kind makes it insert nothing (null).
   */
  async insertEntry(
    scope: Scope,
    content: Omit<ChainEntryContent, 'sequence' | 'vendorId'>,
    link: { sequence: string; prevHash: string; hash: string },
    em: Queryable,
  ): Promise<string | null> {
    const [row] = await em.query(
      `WITH e AS (
         INSERT INTO journal_entries (vendor_id, sequence, kind, reference_type, reference_id, contract_id, customer_id,
                                      description, effective_at, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (vendor_id, reference_type, reference_id, kind) DO NOTHING
         RETURNING id
       ), l AS (
         INSERT INTO journal_lines (vendor_id, entry_id, line_no, account, currency, debit, credit, memo)
         SELECT $1, e.id, x.line_no, x.account, x.currency, x.debit, x.credit, x.memo
           FROM e, unnest($12::text[], $13::text[], $14::numeric[], $15::numeric[], $16::text[]) WITH ORDINALITY
                     AS x(account, currency, debit, credit, memo, line_no)
       )
       SELECT id FROM e`,
      [scope.vendorId, link.sequence, content.kind, content.reference.type, content.reference.id, content.contractId, content.customerId,
        content.description, content.effectiveAt, link.prevHash, link.hash,
        content.lines.map((l) => l.account), content.lines.map((l) => l.currency), content.lines.map((l) => l.debit),
        content.lines.map((l) => l.credit), content.lines.map((l) => l.memo)],
    );
    return row?.id ?? null;
  }

  /**
   * Many entries and their lines in one statement, each at its own sequence (consecutive, from the
   * head the caller locked). Returns the ids by sequence; an entry already posted for its reference
   * and kind is not written (the caller looks those up first, under the head lock).
   */
  async insertEntries(
    scope: Scope,
    entries: Array<{ content: Omit<ChainEntryContent, 'sequence' | 'vendorId'>; link: { sequence: string; prevHash: string; hash: string } }>,
    em: Queryable,
  ): Promise<Map<string, string>> {
    const col = <T>(f: (e: (typeof entries)[number]) => T) => entries.map(f);
    const lines = entries.flatMap((e) => e.content.lines.map((l, i) => ({ sequence: e.link.sequence, lineNo: i + 1, ...l })));
    const lineCol = <T>(f: (l: (typeof lines)[number]) => T) => lines.map(f);
    // Rows in sequence order: the head trigger checks each entry against the one before it.
    const rows: Array<{ id: string; sequence: string }> = await em.query(
      `WITH e AS (
         INSERT INTO journal_entries (vendor_id, sequence, kind, reference_type, reference_id, contract_id, customer_id,
                                      description, effective_at, prev_hash, hash)
         SELECT $1, x.sequence, x.kind, x.reference_type, x.reference_id, x.contract_id, x.customer_id, x.description, x.effective_at,
                x.prev_hash, x.hash
           FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::uuid[], $8::text[], $9::text[], $10::text[], $11::text[])
                AS x(sequence, kind, reference_type, reference_id, contract_id, customer_id, description, effective_at, prev_hash, hash)
          ORDER BY x.sequence
         ON CONFLICT (vendor_id, reference_type, reference_id, kind) DO NOTHING
         RETURNING id, sequence
       ), l AS (
         INSERT INTO journal_lines (vendor_id, entry_id, line_no, account, currency, debit, credit, memo)
         SELECT $1, e.id, y.line_no, y.account, y.currency, y.debit, y.credit, y.memo
           FROM unnest($12::bigint[], $13::int[], $14::text[], $15::text[], $16::numeric[], $17::numeric[], $18::text[])
                AS y(sequence, line_no, account, currency, debit, credit, memo)
           JOIN e ON e.sequence = y.sequence
       )
       SELECT id, sequence::text AS sequence FROM e`,
      [
        scope.vendorId,
        col((e) => e.link.sequence), col((e) => e.content.kind), col((e) => e.content.reference.type), col((e) => e.content.reference.id),
        col((e) => e.content.contractId), col((e) => e.content.customerId), col((e) => e.content.description), col((e) => e.content.effectiveAt),
        col((e) => e.link.prevHash), col((e) => e.link.hash),
        lineCol((l) => l.sequence), lineCol((l) => l.lineNo), lineCol((l) => l.account), lineCol((l) => l.currency), lineCol((l) => l.debit),
        lineCol((l) => l.credit), lineCol((l) => l.memo),
      ],
    );
    return new Map(rows.map((r) => [r.sequence, r.id]));
  }

  /** The entries already posted for any of these references and kinds (one statement). */
  async entriesOfReferences(
    scope: Scope,
    refs: Array<{ type: ReferenceType; id: string; kind: JournalKind }>,
    em: Queryable,
  ): Promise<EntryRow[]> {
    if (refs.length === 0) return [];
    const ps = new Params();
    const where = entryScope(scope, ps);
    return em.query(
      `${entrySelect()} JOIN unnest(${ps.add(refs.map((r) => r.type))}::text[], ${ps.add(refs.map((r) => r.id))}::text[], ${ps.add(refs.map((r) => r.kind))}::text[])
                          AS r(type, id, kind) ON e.reference_type = r.type AND e.reference_id = r.id AND e.kind = r.kind
        WHERE ${where}`,
      ps.values,
    );
  }

  async advanceHead(scope: Scope, to: { sequence: string; hash: string }, em: Queryable): Promise<void> {
    await em.query(`UPDATE ledger_heads SET sequence = $2, hash = $3, updated_at = now() WHERE vendor_id = $1`, [scope.vendorId, to.sequence, to.hash]);
  }

  async entryOfReference(
    scope: Scope,
    ref: { type: ReferenceType; id: string; kind: JournalKind },
    em: Queryable = this.db.manager,
  ): Promise<EntryRow | null> {
    const ps = new Params();
    const where = entryScope(scope, ps);
    const [row] = await em.query(
      `${entrySelect()} WHERE ${where} AND e.reference_type = ${ps.add(ref.type)} AND e.reference_id = ${ps.add(ref.id)} AND e.kind = ${ps.add(ref.kind)}`,
      ps.values,
    );
    return row ?? null;
  }

  async find(scope: Scope, id: string, em: Queryable = this.db.manager): Promise<EntryRow | null> {
    const ps = new Params();
    const where = entryScope(scope, ps);
    const [row] = await em.query(`${entrySelect()} WHERE ${where} AND e.id = ${ps.add(id)}`, ps.values);
    return row ?? null;
  }

  /** Newest first, keyset on the sequence; `limit + 1` rows so the caller knows whether more follow. */
  async list(
    scope: Scope,
    q: { beforeSequence?: string; contractId?: string; account?: string; limit: number },
    em: Queryable = this.db.manager,
  ): Promise<EntryRow[]> {
    const ps = new Params();
    const where = [entryScope(scope, ps)];
    if (q.beforeSequence) where.push(`e.sequence < ${ps.add(q.beforeSequence)}::bigint`);
    if (q.contractId) where.push(`e.contract_id = ${ps.add(q.contractId)}`);
    if (q.account)
      where.push(`EXISTS (SELECT 1 FROM journal_lines a WHERE a.vendor_id = e.vendor_id AND a.entry_id = e.id AND a.account = ${ps.add(q.account)})`);
    return em.query(`${entrySelect()} WHERE ${where.join(' AND ')} ORDER BY e.sequence DESC LIMIT ${ps.add(q.limit + 1)}`, ps.values);
  }

  /** Debits, credits and balance (debit − credit) per account and currency, summed in SQL. */
  async balances(
    scope: Scope,
    q: { account?: string; accountPrefix?: string; currency?: string },
    em: Queryable = this.db.manager,
  ): Promise<Array<{ account: string; currency: string; debit: string; credit: string; balance: string }>> {
    const ps = new Params();
    const where = [lineScope(scope, ps)];
    if (q.account) where.push(`l.account = ${ps.add(q.account)}`);
    if (q.accountPrefix) where.push(`starts_with(l.account, ${ps.add(q.accountPrefix)})`);
    if (q.currency) where.push(`l.currency = ${ps.add(q.currency)}`);
    return em.query(
      `SELECT l.account, l.currency,
              coalesce(sum(l.debit), 0)::text AS debit, coalesce(sum(l.credit), 0)::text AS credit,
              (coalesce(sum(l.debit), 0) - coalesce(sum(l.credit), 0))::text AS balance
         FROM journal_lines l WHERE ${where.join(' AND ')}
        GROUP BY l.account, l.currency ORDER BY l.account, l.currency`,
      ps.values,
    );
  }

  /**
   * The chain in sequence order after `after` (up to `through` when given), one batch. The chain
   * is the vendor's: verifying a link needs every link, so this reads the whole vendor whatever
   * the scope's contracts (the evidence bundle redacts entries outside its scope to their links).
   */
  async chainBatch(
    scope: Scope,
    q: { after: string; through?: string; limit: number; trimAmounts?: boolean },
    em: Queryable = this.db.manager,
  ): Promise<EntryRow[]> {
    const ps = new Params();
    const where = [scopeSql(vendorScope(scope.vendorId), { vendorId: 'e.vendor_id' }, ps.values), `e.sequence > ${ps.add(q.after)}::bigint`];
    if (q.through !== undefined) where.push(`e.sequence <= ${ps.add(q.through)}::bigint`);
    return em.query(`${entrySelect(q.trimAmounts)} WHERE ${where.join(' AND ')} ORDER BY e.sequence LIMIT ${q.limit}`, ps.values);
  }
}
