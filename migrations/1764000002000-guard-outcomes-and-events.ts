import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Database guards behind outcome recording: values the API already refuses (negative quantity,
 * non-flat dimensions, a URI without its digest) cannot enter by any other path either; an
 * outcome's content never changes after recording (only its status and verified_at move) and
 * outcomes are never deleted; each outcome is corrected at most once; events name known states.
 */
export class GuardOutcomesAndEvents1764000002000 implements MigrationInterface {
  name = 'GuardOutcomesAndEvents1764000002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outcomes
        ADD CONSTRAINT outcomes_quantity_not_negative CHECK (quantity >= 0),
        ADD CONSTRAINT outcomes_dimensions_flat CHECK (
          jsonb_typeof(dimensions) = 'object' AND NOT jsonb_path_exists(dimensions, '$.* ? (@.type() != "string")')),
        ADD CONSTRAINT outcomes_verified_has_time CHECK (status NOT IN ('verified', 'disputed') OR verified_at IS NOT NULL),
        ADD CONSTRAINT outcomes_evidence_has_digest CHECK (
          (evidence IS NULL AND evidence_uri IS NULL) OR evidence_sha256 IS NOT NULL),
        ADD CONSTRAINT outcomes_content_sha256_hex CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
        ADD CONSTRAINT outcomes_not_own_correction CHECK (corrects_outcome_id IS DISTINCT FROM id);

      -- A correction names its original; a second correction corrects the correction instead.
      CREATE UNIQUE INDEX outcomes_corrected_once ON outcomes (vendor_id, corrects_outcome_id) WHERE corrects_outcome_id IS NOT NULL;
      -- GET /v1/outcomes?contractId=…: newest first within one contract.
      CREATE INDEX outcomes_by_contract ON outcomes (vendor_id, contract_id, id);

      CREATE FUNCTION ol_outcome_content_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (NEW.vendor_id, NEW.id, NEW.contract_id, NEW.external_id, NEW.type, NEW.quantity, NEW.value, NEW.occurred_at,
            NEW.dimensions, NEW.evidence, NEW.evidence_uri, NEW.evidence_sha256, NEW.corrects_outcome_id, NEW.content_sha256,
            NEW.recorded_by_key_id, NEW.created_at)
           IS DISTINCT FROM
           (OLD.vendor_id, OLD.id, OLD.contract_id, OLD.external_id, OLD.type, OLD.quantity, OLD.value, OLD.occurred_at,
            OLD.dimensions, OLD.evidence, OLD.evidence_uri, OLD.evidence_sha256, OLD.corrects_outcome_id, OLD.content_sha256,
            OLD.recorded_by_key_id, OLD.created_at) THEN
          RAISE EXCEPTION 'an outcome''s content is immutable: record a correction instead' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER outcomes_content_immutable BEFORE UPDATE ON outcomes
        FOR EACH ROW EXECUTE FUNCTION ol_outcome_content_immutable();
      CREATE TRIGGER outcomes_never_deleted BEFORE DELETE ON outcomes
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER outcomes_no_truncate BEFORE TRUNCATE ON outcomes
        FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER outcome_events_no_truncate BEFORE TRUNCATE ON outcome_events
        FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();

      ALTER TABLE outcome_events
        ADD CONSTRAINT outcome_events_to_status CHECK (to_status IN ('recorded', 'verified', 'rejected', 'disputed', 'reversed')),
        ADD CONSTRAINT outcome_events_from_status CHECK (
          from_status IS NULL OR from_status IN ('recorded', 'verified', 'rejected', 'disputed', 'reversed')),
        ADD CONSTRAINT outcome_events_actor_role CHECK (actor_role IN ('vendor_admin', 'customer', 'system'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outcome_events DROP CONSTRAINT outcome_events_to_status, DROP CONSTRAINT outcome_events_from_status,
        DROP CONSTRAINT outcome_events_actor_role;
      DROP TRIGGER outcome_events_no_truncate ON outcome_events;
      DROP TRIGGER outcomes_no_truncate ON outcomes;
      DROP TRIGGER outcomes_never_deleted ON outcomes;
      DROP TRIGGER outcomes_content_immutable ON outcomes;
      DROP FUNCTION ol_outcome_content_immutable();
      DROP INDEX outcomes_by_contract;
      DROP INDEX outcomes_corrected_once;
      ALTER TABLE outcomes DROP CONSTRAINT outcomes_quantity_not_negative, DROP CONSTRAINT outcomes_dimensions_flat,
        DROP CONSTRAINT outcomes_verified_has_time, DROP CONSTRAINT outcomes_evidence_has_digest,
        DROP CONSTRAINT outcomes_content_sha256_hex, DROP CONSTRAINT outcomes_not_own_correction;
    `);
  }
}
