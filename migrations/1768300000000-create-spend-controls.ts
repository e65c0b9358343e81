import { MigrationInterface, QueryRunner } from 'typeorm';
import { SERVICE_ROLE } from './1765300000000-least-privilege-service-role';

const OLD_TYPES = `'invoice.finalized', 'invoice.paid', 'credit_note.created', 'outcome.disputed'`;
const NEW_TYPES = `${OLD_TYPES}, 'spend.threshold_crossed'`;

/**
 * Spend controls (#19 item 4): a contract's budget per period, alert thresholds and hard-limit
 * flag, as append-only versions (each names the key and role that set it, and when), and one row
 * per threshold crossed per period. That row's primary key is what makes the
 * `spend.threshold_crossed` webhook fire once per threshold per period under concurrent
 * ingestion: it is inserted ON CONFLICT DO NOTHING in the transaction that writes the event.
 */
export class CreateSpendControls1768300000000 implements MigrationInterface {
  name = 'CreateSpendControls1768300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE spend_control_versions (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        id uuid NOT NULL DEFAULT uuidv7(),
        contract_id uuid NOT NULL,
        budget numeric NOT NULL CHECK (budget > 0),
        thresholds integer[] NOT NULL CHECK (cardinality(thresholds) BETWEEN 1 AND 20 AND 1 <= ALL(thresholds) AND 1000 >= ALL(thresholds)),
        hard_limit boolean NOT NULL DEFAULT false,
        set_by_key_id uuid NOT NULL,
        set_by_role text NOT NULL CHECK (set_by_role IN ('vendor_admin', 'customer')),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (vendor_id, id),
        FOREIGN KEY (vendor_id, contract_id) REFERENCES contracts(vendor_id, id)
      );
      CREATE INDEX spend_control_versions_by_contract ON spend_control_versions (vendor_id, contract_id, id);
      CREATE TRIGGER spend_control_versions_append_only BEFORE UPDATE OR DELETE ON spend_control_versions
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER spend_control_versions_no_truncate BEFORE TRUNCATE ON spend_control_versions
        FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();

      CREATE TABLE spend_threshold_crossings (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        contract_id uuid NOT NULL,
        period_start date NOT NULL,
        threshold integer NOT NULL CHECK (threshold BETWEEN 1 AND 1000),
        controls_version_id uuid NOT NULL,
        budget numeric NOT NULL,
        amount numeric NOT NULL,
        crossed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (vendor_id, contract_id, period_start, threshold),
        FOREIGN KEY (vendor_id, contract_id) REFERENCES contracts(vendor_id, id),
        FOREIGN KEY (vendor_id, controls_version_id) REFERENCES spend_control_versions(vendor_id, id)
      );
      CREATE TRIGGER spend_threshold_crossings_append_only BEFORE UPDATE OR DELETE ON spend_threshold_crossings
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
      CREATE TRIGGER spend_threshold_crossings_no_truncate BEFORE TRUNCATE ON spend_threshold_crossings
        FOR EACH STATEMENT EXECUTE FUNCTION ol_refuse_change();

      GRANT SELECT, INSERT ON spend_control_versions, spend_threshold_crossings TO ${SERVICE_ROLE};

      ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_type_check,
        ADD CONSTRAINT webhook_events_type_check CHECK (type IN (${NEW_TYPES}));
      ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_event_types_check,
        ADD CONSTRAINT webhook_endpoints_event_types_check CHECK (cardinality(event_types) >= 1 AND event_types <@ ARRAY[${NEW_TYPES}]::text[]);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_event_types_check,
        ADD CONSTRAINT webhook_endpoints_event_types_check CHECK (cardinality(event_types) >= 1 AND event_types <@ ARRAY[${OLD_TYPES}]::text[]);
      ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_type_check,
        ADD CONSTRAINT webhook_events_type_check CHECK (type IN (${OLD_TYPES}));
      DROP TABLE spend_threshold_crossings;
      DROP TABLE spend_control_versions;
    `);
  }
}
