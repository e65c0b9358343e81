import { MigrationInterface, QueryRunner } from 'typeorm';
import { SERVICE_ROLE } from './1765300000000-least-privilege-service-role';

/**
 * Signed checkpoints of each vendor's chain head (src/ledger/checkpoint.ts): one per sequence and
 * signing key (a rotation signs the head again with the new key), never changed. The table is a convenience copy:
 * what makes a checkpoint worth anything is the copy a customer or auditor keeps outside.
 */
export class CreateLedgerCheckpoints1767600000000 implements MigrationInterface {
  name = 'CreateLedgerCheckpoints1767600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger_checkpoints (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        sequence bigint NOT NULL CHECK (sequence >= 0),
        hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
        signed_at timestamptz NOT NULL,
        key_id uuid NOT NULL,
        public_key_fingerprint text NOT NULL,
        signature text NOT NULL,
        PRIMARY KEY (vendor_id, sequence, key_id),
        FOREIGN KEY (vendor_id, key_id) REFERENCES vendor_signing_keys(vendor_id, id)
      );
      CREATE TRIGGER ledger_checkpoints_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoints
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER ledger_checkpoints_no_truncate BEFORE TRUNCATE ON ledger_checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      GRANT SELECT, INSERT ON ledger_checkpoints TO ${SERVICE_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ledger_checkpoints`);
  }
}
