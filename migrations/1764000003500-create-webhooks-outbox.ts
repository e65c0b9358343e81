import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks as a transactional outbox: an event row is written in the same transaction as the change
 * it announces (invoice finalized, payment, credit note, dispute), with one delivery per subscribed
 * endpoint; a dispatcher delivers them after commit and appends every attempt.
 *
 * - webhook_events: the outbox, append-only.
 * - webhook_deliveries: one row per (event, endpoint): the delivery's current state (pending →
 *   succeeded | failed), its attempt count and when it is next due. The only mutable row.
 * - webhook_delivery_attempts: every HTTP attempt, append-only (status code, error, duration).
 */
export class CreateWebhooksOutbox1764000003500 implements MigrationInterface {
  name = 'CreateWebhooksOutbox1764000003500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoints (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        id uuid NOT NULL DEFAULT uuidv7(),
        url text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
        secret text NOT NULL,
        event_types text[] NOT NULL CHECK (cardinality(event_types) >= 1 AND event_types <@
          ARRAY['invoice.finalized', 'invoice.paid', 'credit_note.created', 'outcome.disputed']::text[]),
        description text CHECK (length(description) <= 200),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        disabled_at timestamptz,
        PRIMARY KEY (vendor_id, id)
      );

      CREATE TABLE webhook_events (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        id uuid NOT NULL DEFAULT uuidv7(),
        type text NOT NULL CHECK (type IN ('invoice.finalized', 'invoice.paid', 'credit_note.created', 'outcome.disputed')),
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (vendor_id, id)
      );
      CREATE INDEX webhook_events_by_type ON webhook_events (vendor_id, type, id);
      CREATE TRIGGER webhook_events_append_only BEFORE UPDATE OR DELETE ON webhook_events
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();

      CREATE TABLE webhook_deliveries (
        vendor_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT uuidv7(),
        event_id uuid NOT NULL,
        endpoint_id uuid NOT NULL,
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
        next_attempt_at timestamptz,
        last_response_status integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        PRIMARY KEY (vendor_id, id),
        UNIQUE (vendor_id, event_id, endpoint_id),
        FOREIGN KEY (vendor_id, event_id) REFERENCES webhook_events(vendor_id, id),
        FOREIGN KEY (vendor_id, endpoint_id) REFERENCES webhook_endpoints(vendor_id, id),
        CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
      );
      -- The dispatcher's queue: due pending deliveries, across vendors.
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (vendor_id, event_id);

      CREATE TABLE webhook_delivery_attempts (
        vendor_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT uuidv7(),
        delivery_id uuid NOT NULL,
        attempt integer NOT NULL CHECK (attempt >= 1),
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL CHECK (duration_ms >= 0),
        response_status integer,
        error text,
        succeeded boolean NOT NULL,
        PRIMARY KEY (vendor_id, id),
        UNIQUE (vendor_id, delivery_id, attempt),
        FOREIGN KEY (vendor_id, delivery_id) REFERENCES webhook_deliveries(vendor_id, id)
      );
      CREATE TRIGGER webhook_delivery_attempts_append_only BEFORE UPDATE OR DELETE ON webhook_delivery_attempts
        FOR EACH ROW EXECUTE FUNCTION ol_refuse_change();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE webhook_delivery_attempts; DROP TABLE webhook_deliveries; DROP TABLE webhook_events; DROP TABLE webhook_endpoints;
    `);
  }
}
