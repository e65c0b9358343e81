import { MigrationInterface, QueryRunner } from 'typeorm';
import { SERVICE_ROLE } from './1765300000000-least-privilege-service-role';

/**
 * Independent verifiers (#15 item 4). A verifier is a party of the vendor (a city bureau, a
 * hospital's radiology board) named by a short key that terms refer to (`verifier: "<key>"`); a
 * `verifier` API key is bound to one. Verifiers are never edited or deleted: the terms of invoiced
 * periods name them. Outcome events of a verifier's decision name the verifier beside the key.
 */
export class IndependentVerifiers1767400000000 implements MigrationInterface {
  name = 'IndependentVerifiers1767400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE verifiers (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        id uuid NOT NULL DEFAULT uuidv7(),
        key text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (vendor_id, id),
        UNIQUE (vendor_id, key)
      );
      CREATE TRIGGER verifiers_append_only BEFORE UPDATE OR DELETE ON verifiers
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER verifiers_no_truncate BEFORE TRUNCATE ON verifiers
        FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      GRANT SELECT, INSERT ON verifiers TO ${SERVICE_ROLE};

      ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
      ALTER TABLE api_keys
        ADD COLUMN verifier_id uuid,
        ADD CONSTRAINT api_keys_role_check CHECK (role IN ('vendor_admin', 'customer', 'auditor', 'verifier')),
        ADD CONSTRAINT api_keys_verifier_bound CHECK ((role = 'verifier') = (verifier_id IS NOT NULL)),
        ADD FOREIGN KEY (vendor_id, verifier_id) REFERENCES verifiers(vendor_id, id);

      -- The binding of a key is as immutable as its role.
      CREATE OR REPLACE FUNCTION ol_api_key_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'api key %: DELETE refused (revoke it)', OLD.id USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS DISTINCT FROM OLD.revoked_at THEN
          RAISE EXCEPTION 'api key % is revoked: revocation is final', OLD.id USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (NEW.vendor_id, NEW.id, NEW.role, NEW.customer_id, NEW.contract_ids, NEW.verifier_id, NEW.prefix, NEW.key_sha256, NEW.created_at)
           IS DISTINCT FROM (OLD.vendor_id, OLD.id, OLD.role, OLD.customer_id, OLD.contract_ids, OLD.verifier_id, OLD.prefix, OLD.key_sha256, OLD.created_at) THEN
          RAISE EXCEPTION 'api key %: only its use and its revocation are recorded', OLD.id USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$;

      ALTER TABLE outcome_events DROP CONSTRAINT outcome_events_actor_role;
      ALTER TABLE outcome_events
        ADD COLUMN actor_verifier_id uuid,
        ADD CONSTRAINT outcome_events_actor_role CHECK (actor_role IN ('vendor_admin', 'customer', 'verifier', 'system')),
        ADD CONSTRAINT outcome_events_verifier_named CHECK ((actor_role = 'verifier') = (actor_verifier_id IS NOT NULL)),
        ADD FOREIGN KEY (vendor_id, actor_verifier_id) REFERENCES verifiers(vendor_id, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outcome_events DROP CONSTRAINT outcome_events_verifier_named, DROP CONSTRAINT outcome_events_actor_role, DROP COLUMN actor_verifier_id;
      ALTER TABLE outcome_events ADD CONSTRAINT outcome_events_actor_role CHECK (actor_role IN ('vendor_admin', 'customer', 'system'));
      CREATE OR REPLACE FUNCTION ol_api_key_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'api key %: DELETE refused (revoke it)', OLD.id USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS DISTINCT FROM OLD.revoked_at THEN
          RAISE EXCEPTION 'api key % is revoked: revocation is final', OLD.id USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (NEW.vendor_id, NEW.id, NEW.role, NEW.customer_id, NEW.contract_ids, NEW.prefix, NEW.key_sha256, NEW.created_at)
           IS DISTINCT FROM (OLD.vendor_id, OLD.id, OLD.role, OLD.customer_id, OLD.contract_ids, OLD.prefix, OLD.key_sha256, OLD.created_at) THEN
          RAISE EXCEPTION 'api key %: only its use and its revocation are recorded', OLD.id USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$;
      ALTER TABLE api_keys DROP CONSTRAINT api_keys_verifier_bound, DROP CONSTRAINT api_keys_role_check, DROP COLUMN verifier_id;
      ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('vendor_admin', 'customer', 'auditor'));
      DROP TABLE verifiers;
    `);
  }
}
