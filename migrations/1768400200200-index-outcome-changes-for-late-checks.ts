import { MigrationInterface, QueryRunner } from 'typeorm';
import { SERVICE_ROLE } from './1765300000000-least-privilege-service-role';

/**
 * The late-outcome check before finalizing (#16 item 3): outcomes of earlier invoiced periods
 * verified late or reversed since. It scanned every earlier period's outcomes, so invoicing month
 * 24 cost twelve times month 2. Now it reads only the outcomes changed since the contract's
 * earlier invoices last looked:
 * - `outcomes.changed_xact`: the (64-bit) id of the transaction that last wrote the row, set on
 *   insert by its default and on every update by a trigger, indexed per contract;
 * - `invoices.claim_xmin`: the xmin of the finalizing transaction's snapshot, taken once the
 *   contract's finalizations are serialized and before its claims. Every transaction older than
 *   it had finished, so its claims saw all it wrote; anything they did not see was written by a
 *   transaction at or after it, and is found by `changed_xact >= claim_xmin`.
 * Rows that existed before: changed_xact 0. An invoice finalized before has no claim_xmin, and a
 * check that meets one reads the whole history as before, once.
 */
export class IndexOutcomeChangesForLateChecks1768400200200 implements MigrationInterface {
  name = 'IndexOutcomeChangesForLateChecks1768400200200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- A constant default first (no table rewrite), then the writer's transaction id for new rows.
      ALTER TABLE outcomes ADD COLUMN changed_xact xid8 NOT NULL DEFAULT '0';
      ALTER TABLE outcomes ALTER COLUMN changed_xact SET DEFAULT pg_current_xact_id();
      CREATE FUNCTION ol_outcome_changed_xact() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.changed_xact := pg_current_xact_id();
        RETURN NEW;
      END $$;
      CREATE TRIGGER outcomes_changed_xact BEFORE UPDATE ON outcomes
        FOR EACH ROW EXECUTE FUNCTION ol_outcome_changed_xact();
      CREATE INDEX outcomes_changed ON outcomes (vendor_id, contract_id, changed_xact);

      ALTER TABLE invoices ADD COLUMN claim_xmin xid8;
      GRANT UPDATE (claim_xmin) ON invoices TO ${SERVICE_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE invoices DROP COLUMN claim_xmin;
      DROP INDEX outcomes_changed;
      DROP TRIGGER outcomes_changed_xact ON outcomes;
      DROP FUNCTION ol_outcome_changed_xact();
      ALTER TABLE outcomes DROP COLUMN changed_xact;
    `);
  }
}
