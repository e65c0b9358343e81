import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The append-only rules, closed where the first guards left a gap (found by the tamper suite,
 * test/database/tamper.e2e-spec.ts, run as the service's own role):
 *
 * - TRUNCATE is refused on every record table (statement triggers never fire for row triggers);
 * - a journal line joins only an entry written by the same transaction: a balanced pair added to a
 *   posted entry passes the balance check but rewrites history;
 * - an outcome's status moves only together with the event that records the move (checked at
 *   commit: the code updates the row and appends the event in two statements);
 * - an API key's revocation is final, and a key's identity never changes;
 * - an invoice is void only when its credit notes cancel its total, and paid only when payments and
 *   credit notes settle it.
 */
export class GuardEveryAppendOnlyRule1765300001000 implements MigrationInterface {
  name = 'GuardEveryAppendOnlyRule1765300001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TRIGGER terms_versions_no_truncate BEFORE TRUNCATE ON terms_versions FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER invoices_no_truncate BEFORE TRUNCATE ON invoices FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER ledger_heads_no_truncate BEFORE TRUNCATE ON ledger_heads FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER api_keys_no_truncate BEFORE TRUNCATE ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER webhook_endpoints_no_truncate BEFORE TRUNCATE ON webhook_endpoints FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER webhook_events_no_truncate BEFORE TRUNCATE ON webhook_events FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER webhook_deliveries_no_truncate BEFORE TRUNCATE ON webhook_deliveries FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER webhook_delivery_attempts_no_truncate BEFORE TRUNCATE ON webhook_delivery_attempts
        FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();

      -- Whether a row version (its xmin) was written by the current transaction or one of its
      -- subtransactions (savepoints). A visible row whose writer is still in progress can only be
      -- ours. xmin is 32 bits: its epoch is the current transaction's, or the one before across a wrap.
      CREATE FUNCTION ol_written_by_this_transaction(x xid) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        v_current bigint := pg_current_xact_id()::text::bigint;
        v_xid bigint := x::text::bigint;
        v_epoch bigint := v_current >> 32;
      BEGIN
        IF v_xid < 3 THEN RETURN false; END IF; -- frozen or bootstrap: long committed
        IF v_xid > (v_current & 4294967295) THEN v_epoch := v_epoch - 1; END IF;
        IF v_epoch < 0 THEN RETURN false; END IF;
        RETURN coalesce(pg_xact_status(((v_epoch << 32) | v_xid)::text::xid8) = 'in progress', false);
      END $$;

      CREATE FUNCTION ol_journal_line_joins_open_entry() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        v_xmin xid;
      BEGIN
        SELECT xmin INTO v_xmin FROM journal_entries WHERE vendor_id = NEW.vendor_id AND id = NEW.entry_id;
        -- A missing entry is the foreign key's to refuse.
        IF FOUND AND NOT ol_written_by_this_transaction(v_xmin) THEN
          RAISE EXCEPTION 'journal entry % is posted: its lines are written with it, never added later', NEW.entry_id
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER journal_lines_join_open_entry BEFORE INSERT ON journal_lines
        FOR EACH ROW EXECUTE FUNCTION ol_journal_line_joins_open_entry();

      CREATE FUNCTION ol_outcome_status_has_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT EXISTS (
          SELECT 1 FROM outcome_events e
           WHERE e.vendor_id = NEW.vendor_id AND e.outcome_id = NEW.id AND e.to_status = NEW.status
             AND e.from_status IS NOT DISTINCT FROM OLD.status AND ol_written_by_this_transaction(e.xmin))
        THEN
          RAISE EXCEPTION 'outcome % moved from % to % without its event', NEW.id, OLD.status, NEW.status
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER outcomes_status_has_event AFTER UPDATE OF status ON outcomes
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
        EXECUTE FUNCTION ol_outcome_status_has_event();

      CREATE FUNCTION ol_api_key_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'api key %: DELETE refused (revoke it)', OLD.id USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS DISTINCT FROM OLD.revoked_at THEN
          RAISE EXCEPTION 'api key % is revoked: revocation is final', OLD.id USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (NEW.vendor_id, NEW.id, NEW.role, NEW.customer_id, NEW.contract_ids, NEW.prefix, NEW.key_sha256, NEW.created_at)
           IS DISTINCT FROM (OLD.vendor_id, OLD.id, OLD.role, OLD.customer_id, OLD.contract_ids, OLD.prefix, OLD.key_sha256, OLD.created_at) THEN
          RAISE EXCEPTION 'api key %: only its use and its revocation are recorded', OLD.id USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER api_keys_revocation_final BEFORE UPDATE OR DELETE ON api_keys
        FOR EACH ROW EXECUTE FUNCTION ol_api_key_guard();

      -- Beside the first guard (which allows finalized → paid | void): void needs credit notes for
      -- the whole total (the code voids exactly then, src/invoicing/settlements.service.ts), paid
      -- needs payments and credits that settle it.
      CREATE FUNCTION ol_invoice_settled_by_its_records() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        v_credited numeric;
        v_paid numeric;
      BEGIN
        SELECT coalesce(sum(total), 0) INTO v_credited FROM credit_notes WHERE vendor_id = NEW.vendor_id AND invoice_id = NEW.id;
        IF NEW.status = 'void' AND (v_credited = 0 OR v_credited < NEW.total) THEN
          RAISE EXCEPTION 'invoice % cannot be void: its credit notes total % of %', NEW.id, v_credited, NEW.total
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        SELECT coalesce(sum(amount), 0) INTO v_paid FROM payments WHERE vendor_id = NEW.vendor_id AND invoice_id = NEW.id;
        IF NEW.status = 'paid' AND v_paid + v_credited < coalesce(NEW.total, 0) THEN
          RAISE EXCEPTION 'invoice % cannot be paid: % paid and % credited of %', NEW.id, v_paid, v_credited, NEW.total
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$;
      -- Named to fire after invoices_frozen_once_finalized (BEFORE triggers run in name order).
      CREATE TRIGGER invoices_settled_by_records BEFORE UPDATE OF status ON invoices
        FOR EACH ROW WHEN (NEW.status IN ('paid', 'void') AND NEW.status IS DISTINCT FROM OLD.status)
        EXECUTE FUNCTION ol_invoice_settled_by_its_records();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER invoices_settled_by_records ON invoices; DROP FUNCTION ol_invoice_settled_by_its_records();
      DROP TRIGGER api_keys_revocation_final ON api_keys; DROP FUNCTION ol_api_key_guard();
      DROP TRIGGER outcomes_status_has_event ON outcomes; DROP FUNCTION ol_outcome_status_has_event();
      DROP TRIGGER journal_lines_join_open_entry ON journal_lines; DROP FUNCTION ol_journal_line_joins_open_entry();
      DROP FUNCTION ol_written_by_this_transaction(xid);
      DROP TRIGGER terms_versions_no_truncate ON terms_versions; DROP TRIGGER invoices_no_truncate ON invoices;
      DROP TRIGGER ledger_heads_no_truncate ON ledger_heads; DROP TRIGGER api_keys_no_truncate ON api_keys;
      DROP TRIGGER webhook_endpoints_no_truncate ON webhook_endpoints; DROP TRIGGER webhook_events_no_truncate ON webhook_events;
      DROP TRIGGER webhook_deliveries_no_truncate ON webhook_deliveries;
      DROP TRIGGER webhook_delivery_attempts_no_truncate ON webhook_delivery_attempts;
    `);
  }
}
