import { createServer } from 'node:net';
import { DatabaseUnreachableError, describeUrl, ensureReachable } from './migrate';

const closedPort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

describe('database reachability', () => {
  it('names where a URL points without its password', () => {
    expect(describeUrl('postgres://outcome_ledger_app:s3cret@db.internal:6432/ledger')).toBe('outcome_ledger_app@db.internal:6432/ledger');
    expect(describeUrl('postgres://db/x')).toBe('db:5432/x');
  });

  it('fails at once, in one line naming the setting, when nothing listens on the port', async () => {
    const port = await closedPort();
    const started = Date.now();
    const err = await ensureReachable(`postgres://u:hunter2@127.0.0.1:${port}/ledger`, { attempts: 1, variable: 'DATABASE_URL' }).catch((e) => e);
    expect(err).toBeInstanceOf(DatabaseUnreachableError);
    expect(err.message).toBe(`cannot connect to PostgreSQL at u@127.0.0.1:${port}/ledger (DATABASE_URL): connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(err.message).not.toContain('hunter2');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('retries a refused connection once a second, up to its attempts', async () => {
    const port = await closedPort();
    const started = Date.now();
    await expect(ensureReachable(`postgres://u:p@127.0.0.1:${port}/x`, { attempts: 2, variable: 'MIGRATIONS_DATABASE_URL' })).rejects.toThrow(
      /\(MIGRATIONS_DATABASE_URL\): connect ECONNREFUSED/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});
