import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ledger: a double-entry journal per vendor, append-only and hash-chained
 * (hash = sha256(prev_hash ‖ canonical entry), computed by src/ledger/chain.ts).
 *
 * Database guards behind the posting code:
 * - journal_entries and journal_lines refuse UPDATE, DELETE and TRUNCATE (ol_refuse_change);
 * - a deferred constraint trigger refuses, at commit, an entry that does not balance per currency
 *   or has fewer than two lines;
 * - an entry must extend the vendor's chain head (sequence = head + 1, prev_hash = head hash), and
 *   the head may only move forward onto an entry that exists with that sequence and hash.
 */
export class CreateJournal1764000003000 implements MigrationInterface {
  name = 'CreateJournal1764000003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- The chain head per vendor: a pointer (not history), and the per-vendor serialization point.
      CREATE TABLE ledger_heads (
        vendor_id uuid PRIMARY KEY REFERENCES vendors(id),
        sequence bigint NOT NULL CHECK (sequence >= 0),
        hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE journal_entries (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        id uuid NOT NULL DEFAULT uuidv7(),
        sequence bigint NOT NULL CHECK (sequence >= 1),
        kind text NOT NULL CHECK (kind IN ('invoice_finalized', 'credit_note', 'payment')),
        reference_type text NOT NULL CHECK (reference_type IN ('invoice', 'credit_note', 'payment')),
        reference_id text NOT NULL CHECK (length(reference_id) BETWEEN 1 AND 200),
        contract_id uuid,
        customer_id uuid,
        description text NOT NULL CHECK (length(description) BETWEEN 1 AND 1000),
        -- Kept exactly as hashed: a business date YYYY-MM-DD or a UTC timestamp with milliseconds.
        effective_at text NOT NULL CHECK (effective_at ~ '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z)?$'),
        posted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
        hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
        PRIMARY KEY (vendor_id, id),
        UNIQUE (vendor_id, sequence),
        UNIQUE (vendor_id, reference_type, reference_id, kind),
        FOREIGN KEY (vendor_id, contract_id) REFERENCES contracts(vendor_id, id),
        FOREIGN KEY (vendor_id, customer_id) REFERENCES customers(vendor_id, id)
      );
      CREATE INDEX journal_entries_by_contract ON journal_entries (vendor_id, contract_id, sequence);

      CREATE TABLE journal_lines (
        vendor_id uuid NOT NULL,
        entry_id uuid NOT NULL,
        line_no integer NOT NULL CHECK (line_no >= 1),
        account text NOT NULL CHECK (account ~ '^[a-z_]+(:[A-Za-z0-9_.-]+)*$' AND length(account) <= 200),
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        debit numeric(38,12),
        credit numeric(38,12),
        memo text CHECK (length(memo) <= 1000),
        PRIMARY KEY (vendor_id, entry_id, line_no),
        FOREIGN KEY (vendor_id, entry_id) REFERENCES journal_entries(vendor_id, id),
        -- Exactly one side, and positive.
        CHECK ((debit > 0 AND credit IS NULL) OR (credit > 0 AND debit IS NULL))
      );
      -- Balances per account: an index-only aggregate.
      CREATE INDEX journal_lines_by_account ON journal_lines (vendor_id, account, currency) INCLUDE (debit, credit, entry_id);

      CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON journal_entries
        FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER journal_lines_append_only BEFORE UPDATE OR DELETE ON journal_lines
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER journal_lines_no_truncate BEFORE TRUNCATE ON journal_lines
        FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();

      -- At commit: every entry touched balances per currency and has at least two lines.
      CREATE FUNCTION ol_journal_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        v_vendor uuid;
        v_entry uuid;
        v_lines integer;
        v_bad text;
      BEGIN
        IF TG_TABLE_NAME = 'journal_lines' THEN
          v_vendor := NEW.vendor_id; v_entry := NEW.entry_id;
        ELSE
          v_vendor := NEW.vendor_id; v_entry := NEW.id;
        END IF;
        SELECT count(*) INTO v_lines FROM journal_lines WHERE vendor_id = v_vendor AND entry_id = v_entry;
        IF v_lines < 2 THEN
          RAISE EXCEPTION 'journal entry % has % line(s): an entry needs at least two', v_entry, v_lines
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entry_balanced';
        END IF;
        SELECT string_agg(currency || ' debits ' || d || ' ≠ credits ' || c, '; ') INTO v_bad FROM (
          SELECT currency, coalesce(sum(debit), 0) AS d, coalesce(sum(credit), 0) AS c
            FROM journal_lines WHERE vendor_id = v_vendor AND entry_id = v_entry GROUP BY currency
        ) s WHERE d <> c;
        IF v_bad IS NOT NULL THEN
          RAISE EXCEPTION 'journal entry % does not balance: %', v_entry, v_bad
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journal_entry_balanced';
        END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER journal_entries_balanced AFTER INSERT ON journal_entries
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ol_journal_entry_balanced();
      CREATE CONSTRAINT TRIGGER journal_lines_balanced AFTER INSERT ON journal_lines
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ol_journal_entry_balanced();

      -- An entry extends the chain at its head: no second writer can fork or skip it.
      CREATE FUNCTION ol_journal_entry_extends_head() RETURNS trigger LANGUAGE plpgsql AS $$
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
      CREATE TRIGGER journal_entries_extend_head BEFORE INSERT ON journal_entries
        FOR EACH ROW EXECUTE FUNCTION ol_journal_entry_extends_head();

      -- The head only moves forward, one entry at a time, onto an entry that exists.
      CREATE FUNCTION ol_ledger_head_moves_forward() RETURNS trigger LANGUAGE plpgsql AS $$
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
      CREATE TRIGGER ledger_heads_move_forward BEFORE INSERT OR UPDATE OR DELETE ON ledger_heads
        FOR EACH ROW EXECUTE FUNCTION ol_ledger_head_moves_forward();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE journal_lines; DROP TABLE journal_entries; DROP TABLE ledger_heads;
      DROP FUNCTION ol_journal_entry_balanced(); DROP FUNCTION ol_journal_entry_extends_head();
      DROP FUNCTION ol_ledger_head_moves_forward();
    `);
  }
}
