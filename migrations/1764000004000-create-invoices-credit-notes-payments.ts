import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invoicing: invoices (one per contract and period), the exact outcomes each finalized invoice
 * billed, gapless document numbers, credit notes, payments and billing runs.
 *
 * Amounts paid and credited are not stored on the invoice: they are sums over `payments` and
 * `credit_notes`. Once an invoice leaves `draft`, the only change the database accepts is its
 * status (finalized → paid | void, paid → void); credit notes, payments and the billed-outcome
 * record are append-only.
 */
export class CreateInvoicesCreditNotesPayments1764000004000 implements MigrationInterface {
  name = 'CreateInvoicesCreditNotesPayments1764000004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE invoices (
        vendor_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT uuidv7(),
        contract_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        period_label text NOT NULL,
        period_start date NOT NULL,
        period_end date NOT NULL,
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'finalized', 'paid', 'void')),
        number text CHECK (number ~ '^INV-[0-9]{4}-[0-9]{6,}$'),
        currency char(3) NOT NULL,
        terms_version_id uuid,
        subtotal numeric(38,12),
        tax numeric(38,12),
        total numeric(38,12),
        lines jsonb NOT NULL DEFAULT '[]'::jsonb,
        trace jsonb,
        trace_json text,
        trace_digest text CHECK (trace_digest ~ '^[0-9a-f]{64}$'),
        refusal jsonb,
        computed_at timestamptz NOT NULL DEFAULT now(),
        finalized_at timestamptz,
        journal_entry_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (vendor_id, id),
        FOREIGN KEY (vendor_id, contract_id) REFERENCES contracts(vendor_id, id),
        FOREIGN KEY (vendor_id, customer_id) REFERENCES customers(vendor_id, id),
        FOREIGN KEY (vendor_id, terms_version_id) REFERENCES terms_versions(vendor_id, id),
        UNIQUE (vendor_id, contract_id, period_start),
        UNIQUE (vendor_id, number),
        CHECK (period_end > period_start),
        -- A finalized invoice always carries its number, its frozen trace and its figures.
        CHECK (status = 'draft' OR (number IS NOT NULL AND finalized_at IS NOT NULL AND trace_json IS NOT NULL
                                    AND trace_digest IS NOT NULL AND total IS NOT NULL AND refusal IS NULL
                                    AND terms_version_id IS NOT NULL)),
        CHECK (status <> 'draft' OR number IS NULL)
      );
      CREATE INDEX invoices_by_customer ON invoices (vendor_id, customer_id, id);
      CREATE INDEX invoices_by_period ON invoices (vendor_id, period_label, id);

      -- Drafts are recomputed freely; after finalization only the status may move on.
      CREATE FUNCTION ol_invoices_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'invoice % is %: DELETE refused', OLD.id, OLD.status USING ERRCODE = 'insufficient_privilege';
          END IF;
          RETURN OLD;
        END IF;
        IF OLD.status = 'draft' THEN
          RETURN NEW;
        END IF;
        IF (to_jsonb(NEW) - 'status') IS DISTINCT FROM (to_jsonb(OLD) - 'status') THEN
          RAISE EXCEPTION 'invoice % is %: only its status may change', OLD.id, OLD.status USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
             (OLD.status = 'finalized' AND NEW.status IN ('paid', 'void')) OR (OLD.status = 'paid' AND NEW.status = 'void')) THEN
          RAISE EXCEPTION 'invoice % cannot move from % to %', OLD.id, OLD.status, NEW.status USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER invoices_frozen_once_finalized BEFORE UPDATE OR DELETE ON invoices
        FOR EACH ROW EXECUTE FUNCTION ol_invoices_guard();

      -- Which outcomes each finalized invoice billed (+1) or took back (-1). The primary key is the
      -- "billed at most once" guarantee: an outcome is billed once and its reversal billed once.
      -- No foreign key to outcomes: rows are only ever written by INSERT … SELECT from outcomes, which
      -- are never deleted, and the per-row key-share lock of a foreign key on a million outcomes
      -- would dominate the finalization of a large invoice.
      CREATE TABLE invoice_outcomes (
        vendor_id uuid NOT NULL,
        outcome_id uuid NOT NULL,
        effect smallint NOT NULL CHECK (effect IN (1, -1)),
        invoice_id uuid NOT NULL,
        PRIMARY KEY (vendor_id, outcome_id, effect),
        FOREIGN KEY (vendor_id, invoice_id) REFERENCES invoices(vendor_id, id)
      );
      CREATE INDEX invoice_outcomes_by_invoice ON invoice_outcomes (vendor_id, invoice_id, effect, outcome_id);
      CREATE TRIGGER invoice_outcomes_append_only BEFORE UPDATE OR DELETE ON invoice_outcomes
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER invoice_outcomes_no_truncate BEFORE TRUNCATE ON invoice_outcomes
        FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();

      -- Gapless numbers: the counter row is locked by the finalizing transaction until it commits,
      -- so a rollback never burns a number.
      CREATE TABLE document_number_counters (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        kind text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
        year integer NOT NULL CHECK (year BETWEEN 1970 AND 2999),
        last_value bigint NOT NULL CHECK (last_value >= 1),
        PRIMARY KEY (vendor_id, kind, year)
      );

      CREATE TABLE credit_notes (
        vendor_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT uuidv7(),
        invoice_id uuid NOT NULL,
        number text NOT NULL CHECK (number ~ '^CN-[0-9]{4}-[0-9]{6,}$'),
        reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
        lines jsonb NOT NULL,
        subtotal numeric(38,12) NOT NULL,
        tax numeric(38,12) NOT NULL,
        total numeric(38,12) NOT NULL CHECK (total > 0),
        journal_entry_id uuid NOT NULL,
        created_by_key_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (vendor_id, id),
        FOREIGN KEY (vendor_id, invoice_id) REFERENCES invoices(vendor_id, id),
        UNIQUE (vendor_id, number)
      );
      CREATE INDEX credit_notes_by_invoice ON credit_notes (vendor_id, invoice_id, id);
      CREATE TRIGGER credit_notes_append_only BEFORE UPDATE OR DELETE ON credit_notes
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER credit_notes_no_truncate BEFORE TRUNCATE ON credit_notes
        FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();

      CREATE TABLE payments (
        vendor_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT uuidv7(),
        invoice_id uuid NOT NULL,
        amount numeric(38,12) NOT NULL CHECK (amount > 0),
        paid_on date NOT NULL,
        reference text CHECK (length(reference) BETWEEN 1 AND 200),
        journal_entry_id uuid NOT NULL,
        created_by_key_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (vendor_id, id),
        FOREIGN KEY (vendor_id, invoice_id) REFERENCES invoices(vendor_id, id)
      );
      CREATE INDEX payments_by_invoice ON payments (vendor_id, invoice_id, id);
      CREATE UNIQUE INDEX payments_reference_once ON payments (vendor_id, invoice_id, reference) WHERE reference IS NOT NULL;
      CREATE TRIGGER payments_append_only BEFORE UPDATE OR DELETE ON payments
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER payments_no_truncate BEFORE TRUNCATE ON payments
        FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();

      CREATE TABLE billing_runs (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        id uuid NOT NULL DEFAULT uuidv7(),
        period_label text NOT NULL,
        contract_ids uuid[],
        status text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
        contracts_total integer NOT NULL DEFAULT 0,
        drafted integer NOT NULL DEFAULT 0,
        refused integer NOT NULL DEFAULT 0,
        already_finalized integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        errors jsonb NOT NULL DEFAULT '[]'::jsonb,
        requested_by_key_id uuid,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        PRIMARY KEY (vendor_id, id)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE billing_runs; DROP TABLE payments; DROP TABLE credit_notes; DROP TABLE document_number_counters;
      DROP TABLE invoice_outcomes; DROP TABLE invoices; DROP FUNCTION ol_invoices_guard();
    `);
  }
}
