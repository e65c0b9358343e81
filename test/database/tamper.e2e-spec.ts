jest.setTimeout(300_000);

import { Client } from 'pg';
import { customerWithContract } from '../support/fixtures';
import { tamper, tamperings } from '../support/tamper';
import { createTestApp, KeyedClient, TestApp } from '../support/test-app';
import { runBilling } from '../support/billing';

const PRIVILEGE = '42501'; // insufficient_privilege: no grant, or a guard trigger refusing
const CHECK = '23514'; // check_violation: the ledger head's forward-only rule

/**
 * The tamper suite: connected with the service's own credentials (the role the app runs as),
 * every change an append-only rule forbids is refused, by a missing privilege or by a trigger.
 */
describe('tamper suite: the service role cannot rewrite history', () => {
  let t: TestApp;
  let vendor: KeyedClient;
  let vendorId: string;
  let app: Client;
  const ids: Record<string, string> = {};

  /** Runs `sql` as the service role in a transaction of its own and returns the SQLSTATE it failed with (at the statement or at commit). */
  async function refusal(sql: string, params: unknown[] = []): Promise<{ code: string; message: string } | null> {
    await app.query('BEGIN');
    try {
      await app.query(sql, params);
      await app.query('COMMIT');
      return null;
    } catch (e) {
      await app.query('ROLLBACK').catch(() => undefined);
      return { code: (e as { code: string }).code, message: (e as Error).message };
    }
  }
  const expectRefused = async (sql: string, params: unknown[], code: string, message?: RegExp) => {
    const r = await refusal(sql, params);
    expect({ sql, code: r?.code }).toEqual({ sql, code });
    if (message) expect(r!.message).toMatch(message);
  };

  beforeAll(async () => {
    t = await createTestApp();
    const v = await t.createVendor('Tamper vendor');
    vendorId = v.vendorId;
    vendor = t.as(v.adminKey);
    const c = await customerWithContract(vendor, {
      currency: 'USD',
      timezone: 'UTC',
      taxRate: '0',
      terms: {
        components: [
          { type: 'usage', metric: 'query', unitPrice: '1.00', per: '1', verification: 'auto' },
          { type: 'per_outcome', outcomeType: 'report', unitPrice: '10.00', verification: 'customer' },
        ],
      },
    });
    ids.contract = c.contractId;
    await vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: 'q-1', type: 'query', quantity: '100', occurredAt: '2026-03-10T00:00:00Z' }).expect(201);
    ids.report = (await vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: 'r-1', type: 'report', quantity: '1', occurredAt: '2026-03-11T00:00:00Z' }).expect(201)).body.id;
    ids.report2 = (await vendor.post(`/v1/contracts/${c.contractId}/outcomes`, { externalId: 'r-2', type: 'report', quantity: '1', occurredAt: '2026-03-12T00:00:00Z' }).expect(201)).body.id;
    await runBilling(vendor, { period: '2026-03', contractIds: [c.contractId] });
    const draft = (await vendor.get(`/v1/invoices?contractId=${c.contractId}`).expect(200)).body.data[0];
    const invoice = (await vendor.post(`/v1/invoices/${draft.id}/finalize`).expect(200)).body;
    ids.invoice = invoice.id;
    expect(invoice.total).toBe('100.00');
    await vendor.post(`/v1/invoices/${invoice.id}/payments`, { amount: '10.00', paidOn: '2026-04-02' }).expect(201);
    await vendor.post(`/v1/invoices/${invoice.id}/credit-notes`, { reason: 'goodwill', lines: [{ key: 'query', amount: '5.00' }] }).expect(201);
    const key = await vendor.post('/v1/api-keys', { name: 'soon revoked', role: 'auditor' }).expect(201);
    ids.key = key.body.id;
    await vendor.post(`/v1/api-keys/${ids.key}/revoke`).expect((r) => expect(r.status).toBeLessThan(300));
    const [entry] = await t.db.query(`SELECT id FROM journal_entries WHERE vendor_id = $1 ORDER BY sequence LIMIT 1`, [vendorId]);
    ids.entry = entry.id;
    const [terms] = await t.db.query(`SELECT id FROM terms_versions WHERE vendor_id = $1`, [vendorId]);
    ids.terms = terms.id;
    app = new Client({ connectionString: t.appDatabaseUrl });
    await app.connect();
  });
  afterAll(async () => {
    await app?.end();
    await t?.close();
  });

  it('runs the app as that role: it logs in, is no superuser and owns no table', async () => {
    const [me] = await t.appDb.query(`SELECT current_user AS role, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser`);
    expect(me).toEqual({ role: 'outcome_ledger_app', superuser: false });
    const { rows } = await app.query(
      `SELECT current_user AS role, count(*) FILTER (WHERE pg_has_role(current_user, c.relowner, 'USAGE'))::int AS owned
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`,
    );
    expect(rows[0]).toEqual({ role: 'outcome_ledger_app', owned: 0 });
  });

  it('cannot switch the guards off: DISABLE TRIGGER, session_replication_role, DROP, CREATE, GRANT, ALTER ROLE', async () => {
    for (const sql of [
      `ALTER TABLE journal_lines DISABLE TRIGGER USER`,
      `ALTER TABLE outcome_events DISABLE TRIGGER ALL`,
      `ALTER TABLE invoices DISABLE TRIGGER invoices_frozen_once_finalized`,
      `SET session_replication_role = replica`,
      `SET LOCAL session_replication_role = replica`,
      `DROP TRIGGER journal_entries_append_only ON journal_entries`,
      `CREATE OR REPLACE FUNCTION ol_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
      `CREATE TABLE public.sneaky (id int)`,
      `ALTER ROLE outcome_ledger_app SUPERUSER`,
      `ALTER TABLE journal_entries OWNER TO outcome_ledger_app`,
      `SET ROLE outcome_ledger_owner`,
      `SET ROLE postgres`,
      `COPY journal_lines FROM PROGRAM 'true'`,
    ])
      await expectRefused(sql, [], PRIVILEGE);
    // GRANT without the grant option only warns: the privilege is still not there
    await app.query(`GRANT UPDATE ON journal_lines TO outcome_ledger_app`);
    const { rows } = await app.query(`SELECT has_table_privilege('journal_lines', 'UPDATE') AS u, has_table_privilege('journal_lines', 'TRUNCATE') AS t`);
    expect(rows[0]).toEqual({ u: false, t: false });
  });

  it('cannot TRUNCATE any table', async () => {
    for (const table of [
      'outcomes', 'outcome_events', 'terms_versions', 'invoices', 'invoice_outcomes', 'credit_notes', 'payments', 'journal_entries',
      'journal_lines', 'ledger_heads', 'api_keys', 'webhook_endpoints', 'webhook_events', 'webhook_deliveries', 'webhook_delivery_attempts',
      'export_log', 'idempotency_keys', 'vendors', 'billing_run_contracts', 'value_basis_versions',
    ])
      await expectRefused(`TRUNCATE ${table} CASCADE`, [], PRIVILEGE);
  });

  it('cannot UPDATE or DELETE the append-only records', async () => {
    const v = [vendorId];
    for (const sql of [
      `UPDATE outcome_events SET reason = 'x' WHERE vendor_id = $1`,
      `DELETE FROM outcome_events WHERE vendor_id = $1`,
      `UPDATE billing_run_contracts SET reason = 'x' WHERE vendor_id = $1`,
      `DELETE FROM billing_run_contracts WHERE vendor_id = $1`,
      `UPDATE value_basis_versions SET items = '[]' WHERE vendor_id = $1`,
      `DELETE FROM value_basis_versions WHERE vendor_id = $1`,
      `UPDATE outcomes SET quantity = 2 WHERE vendor_id = $1`,
      `DELETE FROM outcomes WHERE vendor_id = $1`,
      `UPDATE terms_versions SET document = '{}' WHERE vendor_id = $1`,
      `DELETE FROM terms_versions WHERE vendor_id = $1`,
      `DELETE FROM invoices WHERE vendor_id = $1`,
      `UPDATE invoice_outcomes SET effect = -1 WHERE vendor_id = $1`,
      `DELETE FROM invoice_outcomes WHERE vendor_id = $1`,
      `UPDATE credit_notes SET total = 1 WHERE vendor_id = $1`,
      `DELETE FROM credit_notes WHERE vendor_id = $1`,
      `UPDATE payments SET amount = 1 WHERE vendor_id = $1`,
      `DELETE FROM payments WHERE vendor_id = $1`,
      `UPDATE journal_entries SET description = 'edited' WHERE vendor_id = $1`,
      `DELETE FROM journal_entries WHERE vendor_id = $1`,
      `UPDATE journal_lines SET debit = 1 WHERE vendor_id = $1 AND debit IS NOT NULL`,
      `DELETE FROM journal_lines WHERE vendor_id = $1`,
      `DELETE FROM ledger_heads WHERE vendor_id = $1`,
      `UPDATE ledger_heads SET vendor_id = vendor_id WHERE vendor_id = $1`,
      `UPDATE webhook_events SET payload = '{}' WHERE vendor_id = $1`,
      `DELETE FROM webhook_events WHERE vendor_id = $1`,
      `UPDATE webhook_delivery_attempts SET error = NULL WHERE vendor_id = $1`,
      `DELETE FROM webhook_delivery_attempts WHERE vendor_id = $1`,
      `DELETE FROM webhook_deliveries WHERE vendor_id = $1`,
      `UPDATE export_log SET params = '{}' WHERE vendor_id = $1`,
      `DELETE FROM export_log WHERE vendor_id = $1`,
      `DELETE FROM api_keys WHERE vendor_id = $1`,
      `UPDATE api_keys SET role = 'vendor_admin' WHERE vendor_id = $1`,
      `UPDATE vendors SET name = 'x' WHERE id = $1`,
    ])
      await expectRefused(sql, v, PRIVILEGE);
  });

  it('changes a finalized invoice only by its allowed status moves: no figure, no way back, no void without its credit note', async () => {
    const i = [vendorId, ids.invoice];
    await expectRefused(`UPDATE invoices SET total = 1 WHERE vendor_id = $1 AND id = $2`, i, PRIVILEGE, /only its status may change/);
    await expectRefused(`UPDATE invoices SET lines = '[]' WHERE vendor_id = $1 AND id = $2`, i, PRIVILEGE, /only its status may change/);
    await expectRefused(`UPDATE invoices SET status = 'draft', number = NULL WHERE vendor_id = $1 AND id = $2`, i, PRIVILEGE, /only its status/);
    await expectRefused(`UPDATE invoices SET status = 'draft' WHERE vendor_id = $1 AND id = $2`, i, PRIVILEGE, /cannot move from finalized to draft/);
    await expectRefused(`UPDATE invoices SET status = 'void' WHERE vendor_id = $1 AND id = $2`, i, PRIVILEGE, /cannot be void: its credit notes total 5\.0+ of 100/);
    await expectRefused(`UPDATE invoices SET status = 'paid' WHERE vendor_id = $1 AND id = $2`, i, PRIVILEGE, /cannot be paid: 10\.0+ paid and 5\.0+ credited of 100/);
    const [inv] = await t.db.query(`SELECT status, total::text FROM invoices WHERE id = $1`, [ids.invoice]);
    expect(inv).toEqual({ status: 'finalized', total: '100.000000000000' });
  });

  it('cannot add a balanced pair of lines to a posted journal entry', async () => {
    await expectRefused(
      `INSERT INTO journal_lines (vendor_id, entry_id, line_no, account, currency, debit, credit)
       VALUES ($1, $2, 100, 'cash', 'USD', 50, NULL), ($1, $2, 101, 'revenue', 'USD', NULL, 50)`,
      [vendorId, ids.entry],
      PRIVILEGE,
      /is posted: its lines are written with it/,
    );
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM journal_lines WHERE entry_id = $1 AND line_no >= 100`, [ids.entry]);
    expect(n).toBe(0);
  });

  it('moves the chain head only onto its next entry', async () => {
    await expectRefused(`UPDATE ledger_heads SET sequence = 0, hash = repeat('0', 64) WHERE vendor_id = $1`, [vendorId], CHECK, /may only advance/);
  });

  it('flips an outcome status only together with its event, checked at commit', async () => {
    await expectRefused(
      `UPDATE outcomes SET status = 'verified', verified_at = now() WHERE vendor_id = $1 AND id = $2`,
      [vendorId, ids.report],
      PRIVILEGE,
      /moved from recorded to verified without its event/,
    );
    await expectRefused(
      `WITH e AS (INSERT INTO outcome_events (vendor_id, outcome_id, from_status, to_status, actor_role) VALUES ($1, $2, 'recorded', 'rejected', 'system'))
       UPDATE outcomes SET status = 'verified', verified_at = now() WHERE vendor_id = $1 AND id = $2`,
      [vendorId, ids.report],
      PRIVILEGE,
      /without its event/,
    );
    // an earlier transaction's event for the same move (recorded → verified, at recording) does not count
    const q = (await t.db.query(`SELECT id FROM outcomes WHERE vendor_id = $1 AND external_id = 'q-1'`, [vendorId]))[0].id;
    await expectRefused(
      `INSERT INTO outcome_events (vendor_id, outcome_id, from_status, to_status, actor_role) VALUES ('${vendorId}', '${q}', 'verified', 'recorded', 'system');
       UPDATE outcomes SET status = 'recorded' WHERE vendor_id = '${vendorId}' AND id = '${q}';
       UPDATE outcomes SET status = 'verified' WHERE vendor_id = '${vendorId}' AND id = '${q}';`,
      [],
      PRIVILEGE,
      /moved from recorded to verified without its event/,
    );
    const [o] = await t.db.query(`SELECT status FROM outcomes WHERE id = $1`, [ids.report]);
    expect(o.status).toBe('recorded');
    // the way the service moves it — the row and its event in one transaction — still passes
    expect(
      await refusal(
        `WITH e AS (INSERT INTO outcome_events (vendor_id, outcome_id, from_status, to_status, actor_role) VALUES ($1, $2, 'recorded', 'verified', 'system'))
         UPDATE outcomes SET status = 'verified', verified_at = now() WHERE vendor_id = $1 AND id = $2`,
        [vendorId, ids.report2],
      ),
    ).toBeNull();
  });

  it('keeps an API key revoked: revocation can be neither cleared nor moved', async () => {
    const k = [vendorId, ids.key];
    await expectRefused(`UPDATE api_keys SET revoked_at = NULL WHERE vendor_id = $1 AND id = $2`, k, PRIVILEGE, /revocation is final/);
    await expectRefused(`UPDATE api_keys SET revoked_at = now() + interval '1 year' WHERE vendor_id = $1 AND id = $2`, k, PRIVILEGE, /revocation is final/);
    const [key] = await t.db.query(`SELECT revoked_at IS NOT NULL AS revoked FROM api_keys WHERE id = $1`, [ids.key]);
    expect(key.revoked).toBe(true);
  });

  it('as the owner, TRUNCATE and DELETE are still refused by the triggers', async () => {
    const owner = new Client({ connectionString: t.ownerDatabaseUrl });
    await owner.connect();
    try {
      for (const sql of ['TRUNCATE webhook_delivery_attempts', 'TRUNCATE webhook_events CASCADE', 'TRUNCATE journal_lines', 'TRUNCATE ledger_heads'])
        await expect(owner.query(sql)).rejects.toMatchObject({ code: PRIVILEGE, message: expect.stringMatching(/append-only: TRUNCATE refused/) });
      await expect(owner.query(`SET session_replication_role = replica`)).rejects.toMatchObject({ code: PRIVILEGE });
    } finally {
      await owner.end();
    }
  });

  it('tamper helpers (owner powers, triggers bypassed) do make the changes the service role cannot', async () => {
    const url = t.databaseUrl;
    expect(await tamperings.setInvoiceTotal(url, vendorId, ids.invoice, '100.01')).toBe(1);
    expect(await tamperings.appendBalancedPair(url, vendorId, ids.entry, 'USD', '1.00')).toBe(2);
    expect(await tamperings.setOutcomeStatus(url, vendorId, ids.report, 'verified')).toBe(1);
    expect(await tamperings.unrevokeApiKey(url, vendorId, ids.key)).toBe(1);
    const [row] = await t.db.query(
      `SELECT (SELECT total::text FROM invoices WHERE id = $1) AS total,
              (SELECT count(*)::int FROM journal_lines WHERE entry_id = $2) AS lines,
              (SELECT status FROM outcomes WHERE id = $3) AS status,
              (SELECT revoked_at FROM api_keys WHERE id = $4) AS revoked_at`,
      [ids.invoice, ids.entry, ids.report, ids.key],
    );
    expect(row).toMatchObject({ total: '100.010000000000', status: 'verified', revoked_at: null });
    expect(row.lines).toBeGreaterThanOrEqual(4);
    await expect(tamper(url, `UPDATE journal_entries SET description = 'x' WHERE id = $1`, [ids.entry])).resolves.toBe(1);
  });
});
