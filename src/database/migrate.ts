import { Client } from 'pg';

/** The database cannot be used as configured: one line for the operator, no stack trace. */
export class DatabaseStartError extends Error {}

/** The database cannot be reached. */
export class DatabaseUnreachableError extends DatabaseStartError {}

const REACH_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', '28P01', '28000', '3D000', '57P03']);

/** Where a URL points, without its password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.username ? `${u.username}@` : ''}${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

/**
 * Connects once (per attempt) with a short timeout, so a port that is not listening fails in
 * seconds with one clear line instead of TypeORM's nine retries and stack traces.
 */
export async function ensureReachable(url: string, opts: { attempts: number; variable: string; timeoutMs?: number }): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const c = new Client({ connectionString: url, connectionTimeoutMillis: opts.timeoutMs ?? 2500 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.end();
      return;
    } catch (e) {
      await c.end().catch(() => undefined);
      const err = e as { code?: string; message?: string };
      const reason = err.code && !err.message?.includes(err.code) ? `${err.code}: ${err.message}` : (err.message ?? String(e));
      if (attempt >= opts.attempts || !REACH_CODES.has(err.code ?? (/timeout/i.test(reason) ? 'ETIMEDOUT' : ''))) {
        throw new DatabaseUnreachableError(`cannot connect to PostgreSQL at ${describeUrl(url)} (${opts.variable}): ${reason.split('\n')[0]}`);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Runs the pending migrations as the schema owner (MIGRATIONS_DATABASE_URL). */
export async function runMigrations(url: string): Promise<string[]> {
  // Loaded here, not at import: the CLI reports an unreachable database before loading TypeORM.
  const { DataSource } = await import('typeorm');
  const { migrations } = await import('../../migrations');
  const ds = new DataSource({ type: 'postgres', url, migrations, migrationsTransactionMode: 'each', logging: false });
  await ds.initialize();
  try {
    return (await ds.runMigrations()).map((m) => m.name);
  } catch (e) {
    if ((e as { code?: string }).code === '42501')
      throw new DatabaseStartError(
        `the migrations must run as the schema owner, not ${describeUrl(url)}: ${(e as Error).message} (set MIGRATIONS_DATABASE_URL)`,
      );
    throw e;
  } finally {
    await ds.destroy();
  }
}

/**
 * Why the service's own connection should own nothing: a superuser or the tables' owner can switch
 * the append-only triggers off. Returns the warning to print, or null when it owns nothing.
 */
export async function privilegeWarning(url: string): Promise<string | null> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query(
      `SELECT current_user AS role, r.rolsuper AS superuser,
              EXISTS (SELECT 1 FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace
                       WHERE n.nspname = 'public' AND t.relkind = 'r' AND pg_has_role(current_user, t.relowner, 'USAGE')) AS owner
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    const { role, superuser, owner } = rows[0];
    if (!superuser && !owner) return null;
    return (
      `WARNING: the service connects to PostgreSQL as "${role}", ${superuser ? 'a superuser' : 'the owner of its tables'}: ` +
      `anyone with DATABASE_URL's password can switch the append-only guards off. Run the migrations as the owner ` +
      `(MIGRATIONS_DATABASE_URL) and the service as the role outcome_ledger_app (DATABASE_URL); see README "Database roles".`
    );
  } finally {
    await c.end();
  }
}
