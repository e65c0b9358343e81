import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Batch posting (#16 item 5): a billing run posts many entries under one lock of the chain head,
 * in one multi-row INSERT, and moves the head once. The chain guards allowed one entry per head
 * move; they now also allow a batch, and check it as strictly:
 * - an entry extends the head, or the entry just before it that this same transaction wrote past
 *   the head (its prev_hash is that entry's hash): the chain stays linked, and nobody else's entry
 *   can be extended before the head reaches it;
 * - the head moves forward onto an existing entry with that hash, over a gapless run of entries
 *   (as many as the sequence advances; the sequence is unique per vendor) whose first links to the
 *   old head.
 */
export class LedgerBatchesExtendTheHead1768400200100 implements MigrationInterface {
  name = 'LedgerBatchesExtendTheHead1768400200100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION ol_journal_entry_extends_head() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        v_seq bigint;
        v_hash text;
        v_xmin xid;
      BEGIN
        SELECT sequence, hash INTO v_seq, v_hash FROM ledger_heads WHERE vendor_id = NEW.vendor_id;
        IF NOT FOUND THEN v_seq := 0; v_hash := repeat('0', 64); END IF;
        IF NEW.sequence = v_seq + 1 AND NEW.prev_hash = v_hash THEN RETURN NEW; END IF;
        IF NEW.sequence > v_seq + 1 THEN
          SELECT xmin INTO v_xmin FROM journal_entries e
           WHERE e.vendor_id = NEW.vendor_id AND e.sequence = NEW.sequence - 1 AND e.hash = NEW.prev_hash;
          IF FOUND AND ol_written_by_this_transaction(v_xmin) THEN RETURN NEW; END IF;
        END IF;
        RAISE EXCEPTION 'journal entry % does not extend the chain head (sequence %, hash %)', NEW.sequence, v_seq, v_hash
          USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entry_extends_head';
      END $$;

      CREATE OR REPLACE FUNCTION ol_ledger_head_moves_forward() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'ledger_heads: DELETE refused' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'INSERT' AND NEW.sequence = 0 AND NEW.hash = repeat('0', 64) THEN RETURN NEW; END IF;
        IF TG_OP = 'UPDATE' AND NEW.sequence > OLD.sequence AND NEW.vendor_id = OLD.vendor_id
           AND EXISTS (SELECT 1 FROM journal_entries e
                        WHERE e.vendor_id = NEW.vendor_id AND e.sequence = NEW.sequence AND e.hash = NEW.hash)
           AND EXISTS (SELECT 1 FROM journal_entries e
                        WHERE e.vendor_id = NEW.vendor_id AND e.sequence = OLD.sequence + 1 AND e.prev_hash = OLD.hash)
           AND (SELECT count(*) FROM journal_entries e
                 WHERE e.vendor_id = NEW.vendor_id AND e.sequence > OLD.sequence AND e.sequence <= NEW.sequence) = NEW.sequence - OLD.sequence
        THEN RETURN NEW; END IF;
        RAISE EXCEPTION 'ledger head of vendor % may only advance onto its next journal entries', NEW.vendor_id
          USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_head_moves_forward';
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION ol_journal_entry_extends_head() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        v_seq bigint;
        v_hash text;
      BEGIN
        SELECT sequence, hash INTO v_seq, v_hash FROM ledger_heads WHERE vendor_id = NEW.vendor_id;
        IF NOT FOUND THEN v_seq := 0; v_hash := repeat('0', 64); END IF;
        IF NEW.sequence IS DISTINCT FROM v_seq + 1 OR NEW.prev_hash IS DISTINCT FROM v_hash THEN
          RAISE EXCEPTION 'journal entry % does not extend the chain head (sequence %, hash %)', NEW.sequence, v_seq, v_hash
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entry_extends_head';
        END IF;
        RETURN NEW;
      END $$;

      CREATE OR REPLACE FUNCTION ol_ledger_head_moves_forward() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'ledger_heads: DELETE refused' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'INSERT' AND NEW.sequence = 0 AND NEW.hash = repeat('0', 64) THEN RETURN NEW; END IF;
        IF TG_OP = 'UPDATE' AND NEW.sequence = OLD.sequence + 1 AND NEW.vendor_id = OLD.vendor_id AND EXISTS (
             SELECT 1 FROM journal_entries e
              WHERE e.vendor_id = NEW.vendor_id AND e.sequence = NEW.sequence AND e.hash = NEW.hash AND e.prev_hash = OLD.hash)
        THEN RETURN NEW; END IF;
        RAISE EXCEPTION 'ledger head of vendor % may only advance onto its next journal entry', NEW.vendor_id
          USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_head_moves_forward';
      END $$;
    `);
  }
}
