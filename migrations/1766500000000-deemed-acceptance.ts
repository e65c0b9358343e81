import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deemed acceptance. `outcomes.deemed_after` is when a customer-verified outcome with an objection
 * window counts as accepted if nobody rejected it: set once at recording from the terms in force
 * (occurrence + window, added in the contract's timezone) and never updated (the service role has
 * no UPDATE on it). `outcome_events.deemed_at` marks the system's `recorded → verified` event of
 * a lapsed window and says when it lapsed.
 */
export class DeemedAcceptance1766500000000 implements MigrationInterface {
  name = 'DeemedAcceptance1766500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outcomes ADD COLUMN deemed_after timestamptz;
      ALTER TABLE outcome_events ADD COLUMN deemed_at timestamptz,
        ADD CONSTRAINT outcome_events_deemed_by_system CHECK (
          deemed_at IS NULL OR (actor_role = 'system' AND from_status = 'recorded' AND to_status = 'verified'));
      -- The sweep: recorded outcomes whose window has lapsed, oldest deadline first.
      CREATE INDEX outcomes_deemable ON outcomes (deemed_after, vendor_id) WHERE status = 'recorded' AND deemed_after IS NOT NULL;

      CREATE OR REPLACE FUNCTION ol_outcome_deemed_after_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.deemed_after IS DISTINCT FROM OLD.deemed_after THEN
          RAISE EXCEPTION 'an outcome''s objection deadline is fixed when it is recorded' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER outcomes_deemed_after_immutable BEFORE UPDATE OF deemed_after ON outcomes
        FOR EACH ROW EXECUTE FUNCTION ol_outcome_deemed_after_immutable();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER outcomes_deemed_after_immutable ON outcomes; DROP FUNCTION ol_outcome_deemed_after_immutable();
      DROP INDEX outcomes_deemable;
      ALTER TABLE outcome_events DROP CONSTRAINT outcome_events_deemed_by_system, DROP COLUMN deemed_at;
      ALTER TABLE outcomes DROP COLUMN deemed_after;
    `);
  }
}
