import { MigrationInterface, QueryRunner } from 'typeorm';
import { SERVICE_ROLE } from './1765300000000-least-privilege-service-role';

/** As src/invoicing/billing-queue.ts names them; fixed here, as a migration is. */
const BILLING_QUEUE_SCHEMA = 'pgboss';
const BILLING_QUEUE = 'billing-run-chunk';

const OLD_TYPES = `'invoice.finalized', 'invoice.paid', 'credit_note.created', 'outcome.disputed', 'spend.threshold_crossed'`;
const NEW_TYPES = `${OLD_TYPES}, 'billing_run.completed'`;

/**
 * Billing runs become durable background jobs (#16 item 1) on pg-boss, in its own schema of the
 * same database. The schema and the queue are created here, by the schema owner, not by pg-boss at
 * start-up: pg-boss's start and `createQueue` run DDL (a table partition per queue), and the service
 * role owns nothing and may not create anything (least privilege, 1765300000000). The service gets
 * DML on the queue's tables only and starts pg-boss with `migrate: false`, which refuses to run on a
 * schema of another pg-boss version: an upgrade of pg-boss comes with a migration that applies
 * `PgBoss.getMigrationPlans`.
 *
 * A run now also remembers how many contracts it considered (billable or skipped before pricing), so
 * that it knows when its last result row is in, and whether to finalize what it drafts. Its result
 * rows are written one per contract as the workers go (unique on run + contract, so a redelivered
 * job adds nothing), instead of all at the end.
 */
export class BillingRunsAsBackgroundJobs1768400000000 implements MigrationInterface {
  name = 'BillingRunsAsBackgroundJobs1768400000000';

  async up(q: QueryRunner): Promise<void> {
    // Loaded here: the pg-boss version pinned in package.json decides the schema it builds.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const PgBoss = require('pg-boss') as { getConstructionPlans(schema: string): string };
    // Its plan is one transaction of its own; the migration already is one.
    const plan = PgBoss.getConstructionPlans(BILLING_QUEUE_SCHEMA).replace(/^\s*BEGIN;/, '').replace(/COMMIT;\s*$/, '');
    await q.query(plan);
    await q.query(`SELECT ${BILLING_QUEUE_SCHEMA}.create_queue($1, $2::json)`, [
      BILLING_QUEUE,
      // A chunk whose worker died is failed by expiry (per job, see billing-queue.ts) and retried.
      JSON.stringify({ policy: 'standard', retryLimit: 20, retryDelay: 1, retryBackoff: false, expireInSeconds: 600, retentionMinutes: 60 * 24 * 14 }),
    ]);
    await q.query(`
      GRANT USAGE ON SCHEMA ${BILLING_QUEUE_SCHEMA} TO ${SERVICE_ROLE};
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${BILLING_QUEUE_SCHEMA} TO ${SERVICE_ROLE};

      ALTER TABLE billing_runs DROP CONSTRAINT billing_runs_status_check,
        ADD CONSTRAINT billing_runs_status_check CHECK (status IN ('queued', 'running', 'completed', 'failed'));
      ALTER TABLE billing_runs
        ADD COLUMN considered integer NOT NULL DEFAULT 0 CHECK (considered >= contracts_total),
        ADD COLUMN finalize_when_drafted boolean NOT NULL DEFAULT false;
      UPDATE billing_runs r SET considered = GREATEST(r.contracts_total,
        (SELECT count(*) FROM billing_run_contracts rc WHERE rc.vendor_id = r.vendor_id AND rc.billing_run_id = r.id));

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
      ALTER TABLE billing_runs DROP COLUMN finalize_when_drafted, DROP COLUMN considered;
      ALTER TABLE billing_runs DROP CONSTRAINT billing_runs_status_check,
        ADD CONSTRAINT billing_runs_status_check CHECK (status IN ('running', 'completed', 'failed'));
      DROP SCHEMA ${BILLING_QUEUE_SCHEMA} CASCADE;
    `);
  }
}
