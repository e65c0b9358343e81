import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a finance team needs to book an invoice:
 * - the vendor's legal entity and the customer's billing details (legal name, address, tax id,
 *   bank account, contact; the customer's document locale);
 * - per contract, the customer's PO/reference and the payment terms (net N days);
 * - per invoice, frozen at finalization: the issue date (local date in the contract's timezone),
 *   the due date, the zone of those dates and the PO/terms it was issued under (the invoice guard freezes them with the rest);
 * - the official tax invoice (fapiao) number, recorded once per invoice and never changed.
 */
export class AddLegalPartiesPaymentTermsAndTaxInvoices1766600000000 implements MigrationInterface {
  name = 'AddLegalPartiesPaymentTermsAndTaxInvoices1766600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE vendors
        ADD COLUMN legal_name text CHECK (length(legal_name) BETWEEN 1 AND 300),
        ADD COLUMN address text CHECK (length(address) BETWEEN 1 AND 500),
        ADD COLUMN tax_country char(2) CHECK (tax_country ~ '^[A-Z]{2}$'),
        ADD COLUMN tax_id text CHECK (length(tax_id) BETWEEN 1 AND 64),
        ADD COLUMN bank_account text CHECK (length(bank_account) BETWEEN 1 AND 500),
        ADD COLUMN contact text CHECK (length(contact) BETWEEN 1 AND 300),
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
      ALTER TABLE customers
        ADD COLUMN legal_name text CHECK (length(legal_name) BETWEEN 1 AND 300),
        ADD COLUMN address text CHECK (length(address) BETWEEN 1 AND 500),
        ADD COLUMN tax_country char(2) CHECK (tax_country ~ '^[A-Z]{2}$'),
        ADD COLUMN tax_id text CHECK (length(tax_id) BETWEEN 1 AND 64),
        ADD COLUMN contact text CHECK (length(contact) BETWEEN 1 AND 300),
        ADD COLUMN locale text NOT NULL DEFAULT 'en' CHECK (locale IN ('zh-CN', 'en'));
      ALTER TABLE contracts
        ADD COLUMN po_reference text CHECK (length(po_reference) BETWEEN 1 AND 200),
        ADD COLUMN payment_terms_days integer NOT NULL DEFAULT 30 CHECK (payment_terms_days BETWEEN 0 AND 365);
      ALTER TABLE invoices
        ADD COLUMN issue_date date,
        ADD COLUMN due_date date,
        ADD COLUMN payment_terms_days integer CHECK (payment_terms_days BETWEEN 0 AND 365),
        ADD COLUMN po_reference text,
        ADD COLUMN time_zone text,
        ADD CONSTRAINT invoices_dated_once_finalized CHECK (status = 'draft' OR finalized_at IS NULL OR issue_date IS NULL
                                                            OR (due_date IS NOT NULL AND due_date >= issue_date));

      -- Appended once per invoice by the vendor after the tax authority issued the fapiao.
      CREATE TABLE invoice_tax_invoices (
        vendor_id uuid NOT NULL,
        invoice_id uuid NOT NULL,
        number text NOT NULL CHECK (length(number) BETWEEN 1 AND 64),
        issued_on date NOT NULL,
        recorded_by_key_id uuid,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (vendor_id, invoice_id),
        FOREIGN KEY (vendor_id, invoice_id) REFERENCES invoices(vendor_id, id)
      );
      CREATE TRIGGER invoice_tax_invoices_append_only BEFORE UPDATE OR DELETE ON invoice_tax_invoices
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER invoice_tax_invoices_no_truncate BEFORE TRUNCATE ON invoice_tax_invoices
        FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();

      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'outcome_ledger_app') THEN
          GRANT UPDATE (legal_name, address, tax_country, tax_id, bank_account, contact, updated_at) ON vendors TO outcome_ledger_app;
          GRANT UPDATE (legal_name, address, tax_country, tax_id, contact, locale) ON customers TO outcome_ledger_app;
          GRANT UPDATE (po_reference, payment_terms_days) ON contracts TO outcome_ledger_app;
          GRANT UPDATE (issue_date, due_date, payment_terms_days, po_reference, time_zone) ON invoices TO outcome_ledger_app;
          GRANT SELECT, INSERT ON invoice_tax_invoices TO outcome_ledger_app;
        END IF;
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE invoice_tax_invoices;
      ALTER TABLE invoices DROP CONSTRAINT invoices_dated_once_finalized, DROP COLUMN issue_date, DROP COLUMN due_date,
        DROP COLUMN payment_terms_days, DROP COLUMN po_reference, DROP COLUMN time_zone;
      ALTER TABLE contracts DROP COLUMN po_reference, DROP COLUMN payment_terms_days;
      ALTER TABLE customers DROP COLUMN legal_name, DROP COLUMN address, DROP COLUMN tax_country, DROP COLUMN tax_id,
        DROP COLUMN contact, DROP COLUMN locale;
      ALTER TABLE vendors DROP COLUMN legal_name, DROP COLUMN address, DROP COLUMN tax_country, DROP COLUMN tax_id,
        DROP COLUMN bank_account, DROP COLUMN contact, DROP COLUMN updated_at;
    `);
  }
}
