import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Citus (distributed by vendor_id) requires every unique constraint to include the distribution
 * column. The three secret-hash lookups were unique on the hash alone; they become unique on
 * (hash, vendor_id). The hash leads, so the lookup before the vendor is known still probes one
 * index; two vendors sharing a hash would mean two identical 192-bit random secrets.
 */
export class DistributionReadySecretLookups1766800000000 implements MigrationInterface {
  name = 'DistributionReadySecretLookups1766800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE api_keys DROP CONSTRAINT api_keys_key_sha256_key,
        ADD CONSTRAINT api_keys_key_sha256_key UNIQUE (key_sha256, vendor_id);
      ALTER TABLE portal_links DROP CONSTRAINT portal_links_token_sha256_key,
        ADD CONSTRAINT portal_links_token_sha256_key UNIQUE (token_sha256, vendor_id);
      ALTER TABLE portal_sessions DROP CONSTRAINT portal_sessions_session_sha256_key,
        ADD CONSTRAINT portal_sessions_session_sha256_key UNIQUE (session_sha256, vendor_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE api_keys DROP CONSTRAINT api_keys_key_sha256_key, ADD CONSTRAINT api_keys_key_sha256_key UNIQUE (key_sha256);
      ALTER TABLE portal_links DROP CONSTRAINT portal_links_token_sha256_key, ADD CONSTRAINT portal_links_token_sha256_key UNIQUE (token_sha256);
      ALTER TABLE portal_sessions DROP CONSTRAINT portal_sessions_session_sha256_key, ADD CONSTRAINT portal_sessions_session_sha256_key UNIQUE (session_sha256);
    `);
  }
}
