import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the service role (least privilege, `outcome_ledger_app`, when that role exists) may change
 * for secrets at rest, column by column: retiring a signing key, rotating and encrypting webhook
 * secrets, and nulling the legacy plaintext columns in the one-time upgrade. The NOT VALID checks
 * of 1765200000000 still refuse any plaintext written through these grants. Without the role
 * (a database from before least privilege) there is nothing to grant.
 */
export class GrantSecretColumnsToServiceRole1765300000500 implements MigrationInterface {
  name = 'GrantSecretColumnsToServiceRole1765300000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'outcome_ledger_app') THEN
          GRANT SELECT, INSERT ON vendor_signing_keys TO outcome_ledger_app;
          GRANT UPDATE (valid_until) ON vendor_signing_keys TO outcome_ledger_app;
          GRANT UPDATE (signing_public_key, signing_private_key) ON vendors TO outcome_ledger_app;
          GRANT UPDATE (secret, secret_envelope, previous_secret_envelope, previous_secret_expires_at) ON webhook_endpoints TO outcome_ledger_app;
        END IF;
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'outcome_ledger_app') THEN
          REVOKE UPDATE (valid_until) ON vendor_signing_keys FROM outcome_ledger_app;
          REVOKE UPDATE (signing_public_key, signing_private_key) ON vendors FROM outcome_ledger_app;
          REVOKE UPDATE (secret, secret_envelope, previous_secret_envelope, previous_secret_expires_at) ON webhook_endpoints FROM outcome_ledger_app;
        END IF;
      END $$;
    `);
  }
}
