import { MigrationInterface, QueryRunner } from 'typeorm';
import { SERVICE_ROLE } from './1765300000000-least-privilege-service-role';

/**
 * What a billing run did with each contract it considered: drafted (with the invoice), skipped
 * (with a reason code) or failed. Written once with the run's completion and never changed: the
 * service role gets SELECT/INSERT from the default privileges only, and the rows are guarded like
 * every other record table.
 */
export class CreateBillingRunContracts1766900000000 implements MigrationInterface {
  name = 'CreateBillingRunContracts1766900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE billing_run_contracts (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        billing_run_id uuid NOT NULL,
        contract_id uuid NOT NULL,
        result text NOT NULL CHECK (result IN ('drafted', 'skipped', 'failed')),
        invoice_id uuid,
        reason_code text,
        reason text,
        details jsonb,
        PRIMARY KEY (vendor_id, billing_run_id, contract_id),
        FOREIGN KEY (vendor_id, billing_run_id) REFERENCES billing_runs(vendor_id, id),
        FOREIGN KEY (vendor_id, contract_id) REFERENCES contracts(vendor_id, id),
        FOREIGN KEY (vendor_id, invoice_id) REFERENCES invoices(vendor_id, id),
        CHECK ((result = 'drafted') = (reason_code IS NULL))
      );
      CREATE TRIGGER billing_run_contracts_append_only BEFORE UPDATE OR DELETE ON billing_run_contracts
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER billing_run_contracts_no_truncate BEFORE TRUNCATE ON billing_run_contracts
        FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      GRANT SELECT, INSERT ON billing_run_contracts TO ${SERVICE_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE billing_run_contracts`);
  }
}
