import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Client } from 'pg';
import { SERVICE_ROLE } from '../../migrations/1765300000000-least-privilege-service-role';

/** The role that owns the schema and runs the migrations. */
export const OWNER_ROLE = 'outcome_ledger_owner';
export { SERVICE_ROLE };

export interface RolePasswords {
  owner: string;
  app: string;
}

export interface ProvisionedDatabase {
  /** DATABASE_URL: the service's role, which owns nothing. */
  appUrl: string;
  /** MIGRATIONS_DATABASE_URL: the schema owner. */
  ownerUrl: string;
}

/** The two roles' passwords, generated once into DATA_DIR (readable by its user only). */
export function rolePasswords(file: string): RolePasswords {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as RolePasswords;
  const passwords = { owner: randomBytes(18).toString('hex'), app: randomBytes(18).toString('hex') };
  writeFileSync(file, JSON.stringify(passwords, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return passwords;
}

/**
 * As the cluster's superuser: the owner and service roles (created, or their passwords reset to
 * ours), the database owned by the owner, and whatever an older version left owned by the
 * superuser handed to the owner, so the owner's migrations can grant on it.
 */
export async function provisionRoles(serverUrl: string, database: string, passwords: RolePasswords): Promise<ProvisionedDatabase> {
  for (const p of [passwords.owner, passwords.app]) if (!/^[0-9a-f]{16,}$/.test(p)) throw new Error('role passwords must be hex');
  const admin = new Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  try {
    for (const [role, password] of [[OWNER_ROLE, passwords.owner], [SERVICE_ROLE, passwords.app]]) {
      const exists = (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount! > 0;
      await admin.query(
        `${exists ? 'ALTER' : 'CREATE'} ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '${password}'`,
      );
    }
    const db = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    await admin.query(db.rowCount === 0 ? `CREATE DATABASE "${database}" OWNER ${OWNER_ROLE}` : `ALTER DATABASE "${database}" OWNER TO ${OWNER_ROLE}`);
  } finally {
    await admin.end();
  }
  await adoptLegacyObjects(`${serverUrl}/${database}`);
  const base = new URL(serverUrl);
  const as = (user: string, password: string) => {
    const u = new URL(base.href);
    u.username = user;
    u.password = password;
    u.pathname = `/${database}`;
    return u.href;
  };
  return { appUrl: as(SERVICE_ROLE, passwords.app), ownerUrl: as(OWNER_ROLE, passwords.owner) };
}

/** Tables, sequences and functions of schema public that the owner role does not own yet. */
async function adoptLegacyObjects(databaseUrl: string): Promise<void> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(`
      DO $$
      DECLARE r record;
      BEGIN
        FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                    AND c.relowner <> '${OWNER_ROLE}'::regrole LOOP
          EXECUTE format('ALTER TABLE %s OWNER TO ${OWNER_ROLE}', r.name);
        END LOOP;
        -- sequences owned by a table moved with it
        FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'public' AND c.relkind = 'S' AND c.relowner <> '${OWNER_ROLE}'::regrole LOOP
          EXECUTE format('ALTER SEQUENCE %s OWNER TO ${OWNER_ROLE}', r.name);
        END LOOP;
        FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                  WHERE n.nspname = 'public' AND p.proowner <> '${OWNER_ROLE}'::regrole LOOP
          EXECUTE format('ALTER ROUTINE %s OWNER TO ${OWNER_ROLE}', r.name);
        END LOOP;
      END $$;
    `);
  } finally {
    await c.end();
  }
}
