import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outcomes (claimed results and metered usage) and their append-only event history.
 * `status` on outcomes is the projection of the latest event; the events are the record.
 */
export class CreateOutcomesAndEvents1764000001000 implements MigrationInterface {
  name = 'CreateOutcomesAndEvents1764000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outcomes (
        vendor_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT uuidv7(),
        contract_id uuid NOT NULL,
        external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
        type text NOT NULL CHECK (length(type) BETWEEN 1 AND 100),
        quantity numeric(38,12),
        value numeric(38,12),
        occurred_at timestamptz NOT NULL,
        dimensions jsonb NOT NULL DEFAULT '{}'::jsonb,
        evidence jsonb,
        evidence_uri text,
        evidence_sha256 text CHECK (evidence_sha256 ~ '^[0-9a-f]{64}$'),
        status text NOT NULL CHECK (status IN ('recorded', 'verified', 'rejected', 'disputed', 'reversed')),
        corrects_outcome_id uuid,
        content_sha256 text NOT NULL,
        verified_at timestamptz,
        recorded_by_key_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (vendor_id, id),
        FOREIGN KEY (vendor_id, contract_id) REFERENCES contracts(vendor_id, id),
        FOREIGN KEY (vendor_id, corrects_outcome_id) REFERENCES outcomes(vendor_id, id),
        UNIQUE (vendor_id, contract_id, external_id),
        CHECK (quantity IS NOT NULL OR value IS NOT NULL)
      );
      -- The billing aggregate: one contract, one period, verified rows of a type.
      CREATE INDEX outcomes_for_billing ON outcomes (vendor_id, contract_id, type, occurred_at) INCLUDE (status, quantity, value);
      CREATE INDEX outcomes_by_status ON outcomes (vendor_id, contract_id, status, id);

      CREATE TABLE outcome_events (
        vendor_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT uuidv7(),
        outcome_id uuid NOT NULL,
        from_status text,
        to_status text NOT NULL,
        actor_key_id uuid,
        actor_role text NOT NULL,
        reason text,
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (vendor_id, id),
        FOREIGN KEY (vendor_id, outcome_id) REFERENCES outcomes(vendor_id, id)
      );
      CREATE INDEX outcome_events_by_outcome ON outcome_events (vendor_id, outcome_id, id);
      CREATE TRIGGER outcome_events_append_only BEFORE UPDATE OR DELETE ON outcome_events
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE outcome_events; DROP TABLE outcomes;`);
  }
}
