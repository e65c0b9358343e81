import { Client } from 'pg';

/**
 * Tampering as someone who holds the owner's or the superuser's password: each helper makes its
 * change with every trigger bypassed (`SET LOCAL session_replication_role = replica`, which a
 * superuser may set, or a role granted `SET` on that parameter), the way an insider would rewrite
 * history. The tamper suite proves the service's role cannot do any of this; verify-detection
 * tests use these helpers to prove each change is noticed.
 *
 * `databaseUrl` is a privileged URL (TestApp.databaseUrl).
 */
export async function tamper(databaseUrl: string, sql: string, params: unknown[] = []): Promise<number> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query('BEGIN');
    await c.query(`SET LOCAL session_replication_role = replica`);
    const res = await c.query(sql, params);
    await c.query('COMMIT');
    return res.rowCount ?? 0;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    await c.end();
  }
}

/** The changes the append-only rules forbid, each made anyway. Each returns the rows it changed. */
export const tamperings = {
  /** A finalized invoice's stored figure raised (its trace and digest left as they were). */
  setInvoiceTotal: (url: string, vendorId: string, invoiceId: string, total: string) =>
    tamper(url, `UPDATE invoices SET total = $3::numeric WHERE vendor_id = $1 AND id = $2`, [vendorId, invoiceId, total]),
  setInvoiceStatus: (url: string, vendorId: string, invoiceId: string, status: string) =>
    tamper(url, `UPDATE invoices SET status = $3 WHERE vendor_id = $1 AND id = $2`, [vendorId, invoiceId, status]),
  /** One line of a posted entry rewritten (its side and amount). */
  setJournalLine: (url: string, vendorId: string, entryId: string, lineNo: number, side: 'debit' | 'credit', amount: string) =>
    tamper(url, `UPDATE journal_lines SET ${side} = $4::numeric WHERE vendor_id = $1 AND entry_id = $2 AND line_no = $3`, [
      vendorId, entryId, lineNo, amount,
    ]),
  /** A balanced pair of lines added to an entry that is already posted (balance checks still pass). */
  appendBalancedPair: (url: string, vendorId: string, entryId: string, currency: string, amount: string, accounts = ['cash', 'revenue']) =>
    tamper(
      url,
      `INSERT INTO journal_lines (vendor_id, entry_id, line_no, account, currency, debit, credit)
       SELECT $1, $2, n + 1, $5, $3, $4::numeric, NULL FROM (SELECT max(line_no) AS n FROM journal_lines WHERE vendor_id = $1 AND entry_id = $2) m
       UNION ALL
       SELECT $1, $2, n + 2, $6, $3, NULL, $4::numeric FROM (SELECT max(line_no) AS n FROM journal_lines WHERE vendor_id = $1 AND entry_id = $2) m`,
      [vendorId, entryId, currency, amount, accounts[0], accounts[1]],
    ),
  /** An entry's hashed content rewritten, and optionally its hash (a recomputed chain). */
  rewriteJournalEntry: (url: string, vendorId: string, entryId: string, patch: { description?: string; hash?: string; prevHash?: string }) =>
    tamper(
      url,
      `UPDATE journal_entries SET description = coalesce($3, description), hash = coalesce($4, hash), prev_hash = coalesce($5, prev_hash)
        WHERE vendor_id = $1 AND id = $2`,
      [vendorId, entryId, patch.description ?? null, patch.hash ?? null, patch.prevHash ?? null],
    ),
  deleteJournalEntry: (url: string, vendorId: string, entryId: string) =>
    tamper(
      url,
      `WITH l AS (DELETE FROM journal_lines WHERE vendor_id = $1 AND entry_id = $2)
       DELETE FROM journal_entries WHERE vendor_id = $1 AND id = $2`,
      [vendorId, entryId],
    ),
  /** The vendor's chain head moved anywhere (back, or onto a rewritten entry). */
  moveLedgerHead: (url: string, vendorId: string, sequence: number, hash: string) =>
    tamper(url, `UPDATE ledger_heads SET sequence = $2, hash = $3 WHERE vendor_id = $1`, [vendorId, sequence, hash]),
  /** An outcome's status flipped with no event recording the move. */
  setOutcomeStatus: (url: string, vendorId: string, outcomeId: string, status: string) =>
    tamper(
      url,
      `UPDATE outcomes SET status = $3, verified_at = CASE WHEN $3 IN ('verified', 'disputed') THEN coalesce(verified_at, now()) ELSE verified_at END
        WHERE vendor_id = $1 AND id = $2`,
      [vendorId, outcomeId, status],
    ),
  setOutcomeQuantity: (url: string, vendorId: string, outcomeId: string, quantity: string) =>
    tamper(url, `UPDATE outcomes SET quantity = $3::numeric WHERE vendor_id = $1 AND id = $2`, [vendorId, outcomeId, quantity]),
  deleteOutcomeEvents: (url: string, vendorId: string, outcomeId: string) =>
    tamper(url, `DELETE FROM outcome_events WHERE vendor_id = $1 AND outcome_id = $2`, [vendorId, outcomeId]),
  unrevokeApiKey: (url: string, vendorId: string, keyId: string) =>
    tamper(url, `UPDATE api_keys SET revoked_at = NULL WHERE vendor_id = $1 AND id = $2`, [vendorId, keyId]),
  setCreditNoteTotal: (url: string, vendorId: string, creditNoteId: string, total: string) =>
    tamper(url, `UPDATE credit_notes SET total = $3::numeric WHERE vendor_id = $1 AND id = $2`, [vendorId, creditNoteId, total]),
  setPaymentAmount: (url: string, vendorId: string, paymentId: string, amount: string) =>
    tamper(url, `UPDATE payments SET amount = $3::numeric WHERE vendor_id = $1 AND id = $2`, [vendorId, paymentId, amount]),
  setTermsDocument: (url: string, vendorId: string, termsVersionId: string, document: unknown) =>
    tamper(url, `UPDATE terms_versions SET document = $3::jsonb WHERE vendor_id = $1 AND id = $2`, [vendorId, termsVersionId, JSON.stringify(document)]),
  deleteInvoiceOutcome: (url: string, vendorId: string, invoiceId: string, outcomeId: string) =>
    tamper(url, `DELETE FROM invoice_outcomes WHERE vendor_id = $1 AND invoice_id = $2 AND outcome_id = $3`, [vendorId, invoiceId, outcomeId]),
};
