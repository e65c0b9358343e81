import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Secrets at rest are envelopes (src/secrets: a per-secret data key wrapped by the master key), and
 * a vendor may hold several signing keys over time.
 *
 * - vendor_signing_keys: every Ed25519 key a vendor has signed with. The public half and its
 *   validity stay listed after rotation so that old bundles still verify; the private half is an
 *   envelope. One active key per vendor (valid_until IS NULL). A key is never deleted or changed,
 *   except once: retiring it (valid_until set).
 * - webhook_endpoints: secret_envelope, plus the previous secret's envelope and the end of its
 *   overlap window after a rotation.
 *
 * The master key is not available here (migrations may run as another role, elsewhere): existing
 * plaintext (vendors.signing_*, webhook_endpoints.secret) is encrypted and nulled by the service's
 * one-time step on its first start (SigningKeysService / WebhooksService `encryptLegacy…`). The
 * NOT VALID checks refuse any new plaintext from now on while the old rows wait for that step.
 */
export class EncryptSecretsAtRest1765200000000 implements MigrationInterface {
  name = 'EncryptSecretsAtRest1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE vendor_signing_keys (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        id uuid NOT NULL DEFAULT uuidv7(),
        algorithm text NOT NULL DEFAULT 'Ed25519' CHECK (algorithm = 'Ed25519'),
        public_key_pem text NOT NULL CHECK (public_key_pem LIKE '-----BEGIN PUBLIC KEY-----%'),
        fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
        private_key_envelope jsonb NOT NULL CHECK (private_key_envelope ? 'ct' AND private_key_envelope ? 'kek'),
        valid_from timestamptz NOT NULL DEFAULT now(),
        valid_until timestamptz CHECK (valid_until >= valid_from),
        PRIMARY KEY (vendor_id, id),
        UNIQUE (vendor_id, fingerprint)
      );
      CREATE UNIQUE INDEX vendor_signing_keys_one_active ON vendor_signing_keys (vendor_id) WHERE valid_until IS NULL;

      CREATE FUNCTION ol_signing_key_retire_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' OR OLD.valid_until IS NOT NULL OR NEW.valid_until IS NULL
           OR (NEW.vendor_id, NEW.id, NEW.algorithm, NEW.public_key_pem, NEW.fingerprint, NEW.private_key_envelope, NEW.valid_from)
              IS DISTINCT FROM (OLD.vendor_id, OLD.id, OLD.algorithm, OLD.public_key_pem, OLD.fingerprint, OLD.private_key_envelope, OLD.valid_from)
        THEN
          RAISE EXCEPTION 'vendor_signing_keys: a key is only ever retired (valid_until set once): % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER vendor_signing_keys_retire_only BEFORE UPDATE OR DELETE ON vendor_signing_keys
        FOR EACH ROW EXECUTE FUNCTION ol_signing_key_retire_only();

      ALTER TABLE vendors ALTER COLUMN signing_public_key DROP NOT NULL, ALTER COLUMN signing_private_key DROP NOT NULL;
      ALTER TABLE vendors ADD CONSTRAINT vendors_no_plaintext_signing_key
        CHECK (signing_private_key IS NULL AND signing_public_key IS NULL) NOT VALID;

      ALTER TABLE webhook_endpoints
        ALTER COLUMN secret DROP NOT NULL,
        ADD COLUMN secret_envelope jsonb,
        ADD COLUMN previous_secret_envelope jsonb,
        ADD COLUMN previous_secret_expires_at timestamptz,
        ADD CONSTRAINT webhook_endpoints_previous_secret_window
          CHECK ((previous_secret_envelope IS NULL) = (previous_secret_expires_at IS NULL));
      ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_no_plaintext_secret
        CHECK (secret IS NULL AND secret_envelope IS NOT NULL) NOT VALID;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    // Plaintext cannot be restored without the master key: down only removes the new structure.
    await q.query(`
      ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_no_plaintext_secret, DROP CONSTRAINT webhook_endpoints_previous_secret_window,
        DROP COLUMN previous_secret_expires_at, DROP COLUMN previous_secret_envelope, DROP COLUMN secret_envelope;
      ALTER TABLE vendors DROP CONSTRAINT vendors_no_plaintext_signing_key;
      DROP TABLE vendor_signing_keys;
      DROP FUNCTION ol_signing_key_retire_only();
    `);
  }
}
