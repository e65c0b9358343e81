import { MigrationInterface, QueryRunner } from 'typeorm';

/** The role the service connects as. Migrations run as the schema owner; the service owns nothing. */
export const SERVICE_ROLE = 'outcome_ledger_app';

/**
 * Least privilege for the service. The schema owner (whoever runs the migrations) keeps ownership,
 * so only it can ALTER, DISABLE TRIGGER, TRUNCATE or grant; the service role gets SELECT and
 * INSERT, UPDATE only on the columns a rule lets move, and DELETE only on idempotency records.
 * Without TRUNCATE, TRIGGER, ownership or superuser, the service's own password cannot switch the
 * append-only triggers off (`DISABLE TRIGGER`, `session_replication_role = replica`).
 *
 * Tables created by later migrations get SELECT and INSERT by default; a migration that needs the
 * service to UPDATE or DELETE grants exactly that itself.
 *
 * The login role is created by the bootstrap (embedded PostgreSQL, docker-compose's init script, the
 * test harness) or by the operator; when it is missing and the owner may create roles, a NOLOGIN
 * role is created here so that grants apply and an operator can `GRANT outcome_ledger_app TO <login>`.
 */
export class LeastPrivilegeServiceRole1765300000000 implements MigrationInterface {
  name = 'LeastPrivilegeServiceRole1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${SERVICE_ROLE}') THEN
          BEGIN
            CREATE ROLE ${SERVICE_ROLE} NOLOGIN;
          EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'the service role ${SERVICE_ROLE} does not exist and % may not create it', current_user
              USING HINT = 'as a superuser: CREATE ROLE ${SERVICE_ROLE} LOGIN PASSWORD ''…''';
          END;
        END IF;
      END $$;

      REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${SERVICE_ROLE};
      GRANT USAGE ON SCHEMA public TO ${SERVICE_ROLE};
      GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO ${SERVICE_ROLE};
      REVOKE INSERT ON migrations FROM ${SERVICE_ROLE};
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${SERVICE_ROLE};
      ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT ON TABLES TO ${SERVICE_ROLE};
      ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${SERVICE_ROLE};

      -- Records: only the columns a rule lets move (their triggers say how).
      GRANT UPDATE (last_used_at, revoked_at) ON api_keys TO ${SERVICE_ROLE};
      GRANT UPDATE (name, reference, updated_at) ON customers TO ${SERVICE_ROLE};
      GRANT UPDATE (status, ends_on, updated_at) ON contracts TO ${SERVICE_ROLE};
      GRANT UPDATE (status, verified_at) ON outcomes TO ${SERVICE_ROLE};
      -- Drafts are recomputed in place (vendor, id, contract, period start and creation never move).
      GRANT UPDATE (customer_id, period_label, period_end, status, number, currency, terms_version_id, subtotal, tax, total,
                    lines, trace, trace_json, trace_digest, refusal, computed_at, finalized_at, journal_entry_id)
        ON invoices TO ${SERVICE_ROLE};
      GRANT UPDATE (sequence, hash, updated_at) ON ledger_heads TO ${SERVICE_ROLE};
      GRANT UPDATE (active, disabled_at) ON webhook_endpoints TO ${SERVICE_ROLE};
      GRANT UPDATE (manifest_sha256, completed_at) ON export_log TO ${SERVICE_ROLE};
      -- Working state, not records: counters, progress, delivery state, the idempotency cache.
      GRANT UPDATE ON document_number_counters, billing_runs, webhook_deliveries, idempotency_keys TO ${SERVICE_ROLE};
      GRANT DELETE ON idempotency_keys TO ${SERVICE_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM ${SERVICE_ROLE};
      ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM ${SERVICE_ROLE};
      REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${SERVICE_ROLE};
      REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${SERVICE_ROLE};
      REVOKE USAGE ON SCHEMA public FROM ${SERVICE_ROLE};
    `);
  }
}
