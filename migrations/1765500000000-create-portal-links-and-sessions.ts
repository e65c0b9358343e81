import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The portal's sign-in: single-use links and browser sessions. Both store only a SHA-256 of their
 * secret (the link's token, the session cookie), so a copy of the database opens nothing. Each
 * row names the API key whose principal it carries: a portal link gets a key of its own (its
 * secret discarded at birth, so it never works as a Bearer key); the console session carries the
 * admin key that signed in. Revoking that key ends its sessions.
 */
export class CreatePortalLinksAndSessions1765500000000 implements MigrationInterface {
  name = 'CreatePortalLinksAndSessions1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE portal_links (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        id uuid NOT NULL DEFAULT uuidv7(),
        key_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('customer', 'auditor')),
        token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
        issued_by_key_id uuid NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (vendor_id, id),
        FOREIGN KEY (vendor_id, key_id) REFERENCES api_keys(vendor_id, id),
        FOREIGN KEY (vendor_id, issued_by_key_id) REFERENCES api_keys(vendor_id, id),
        CHECK (expires_at > created_at)
      );

      CREATE TABLE portal_sessions (
        vendor_id uuid NOT NULL REFERENCES vendors(id),
        id uuid NOT NULL DEFAULT uuidv7(),
        key_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('link', 'console')),
        link_id uuid,
        session_sha256 text NOT NULL UNIQUE CHECK (session_sha256 ~ '^[0-9a-f]{64}$'),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        last_seen_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        expires_at timestamptz NOT NULL,
        ended_at timestamptz,
        PRIMARY KEY (vendor_id, id),
        FOREIGN KEY (vendor_id, key_id) REFERENCES api_keys(vendor_id, id),
        FOREIGN KEY (vendor_id, link_id) REFERENCES portal_links(vendor_id, id),
        CHECK ((kind = 'link') = (link_id IS NOT NULL))
      );
      -- A link opens at most one session, whatever races its two clicks.
      CREATE UNIQUE INDEX portal_sessions_one_per_link ON portal_sessions (vendor_id, link_id) WHERE link_id IS NOT NULL;

      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'outcome_ledger_app') THEN
          GRANT SELECT, INSERT, UPDATE ON portal_links, portal_sessions TO outcome_ledger_app;
        END IF;
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE portal_sessions; DROP TABLE portal_links;`);
  }
}
