import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency records keyed by the calling API key and the route template, expiring, and free of
 * secrets. Existing rows are deleted: they were keyed per vendor only (no caller to bind them to)
 * and some hold API-key secrets in clear. A retry in flight across this migration runs anew.
 */
export class IdempotencyPerPrincipalExpiring1765400000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM idempotency_keys;
      ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
      ALTER TABLE idempotency_keys
        ADD COLUMN key_id uuid NOT NULL,
        ADD COLUMN route text NOT NULL,
        ADD COLUMN secret_withheld boolean NOT NULL DEFAULT false,
        ADD COLUMN expires_at timestamptz NOT NULL,
        ALTER COLUMN response_body TYPE json USING response_body::json,
        ADD PRIMARY KEY (vendor_id, key_id, method, route, key),
        ADD FOREIGN KEY (vendor_id, key_id) REFERENCES api_keys(vendor_id, id),
        ADD CONSTRAINT idempotency_keys_no_secret CHECK (NOT secret_withheld OR response_body IS NULL);
      CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM idempotency_keys;
      DROP INDEX idempotency_keys_expiry;
      ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
      ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_no_secret;
      ALTER TABLE idempotency_keys DROP COLUMN key_id, DROP COLUMN route, DROP COLUMN secret_withheld, DROP COLUMN expires_at,
        ALTER COLUMN response_body TYPE jsonb USING response_body::jsonb;
      ALTER TABLE idempotency_keys ADD PRIMARY KEY (vendor_id, key);
    `);
  }
}
