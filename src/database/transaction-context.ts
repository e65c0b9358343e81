import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, QueryRunner } from 'typeorm';

/**
 * The request's transaction, carried by AsyncLocalStorage: while a unit of work runs inside
 * `runInAmbientTransaction`, every TypeORM call of the same DataSource made by code that knows
 * nothing about it — `dataSource.query`, `dataSource.manager`, `dataSource.transaction`,
 * `dataSource.getRepository`, query builders, an injected `Repository` or `EntityManager` — runs on
 * that one QueryRunner, so the unit commits or rolls back as a whole.
 *
 * - A nested `transaction()` becomes a SAVEPOINT (TypeORM's own nesting on a QueryRunner), so code
 *   that catches a unique violation and retries still works.
 * - A statement outside any nested transaction runs under its own savepoint too: a failing
 *   statement that the caller catches leaves the outer transaction usable, as it would in
 *   autocommit.
 * - `createQueryRunner()` answers a view of the ambient runner whose `release()` does nothing, so
 *   code that manages its own runner (connect, start/commit/rollback, release) runs nested too.
 * - The context closes with the transaction: work that outlives it (a timer or promise started
 *   inside) falls back to the pool instead of touching a released runner.
 *
 * typeorm-transactional@0.5.0 was evaluated first and not used: its patched
 * `DataSource.transaction` opens an independent transaction on the original manager, so every
 * effect written through `this.db.transaction(...)` (most services here) would commit outside
 * the request's transaction.
 */
interface Ambient {
  readonly dataSource: DataSource;
  readonly runner: QueryRunner;
  open: boolean;
}

const storage = new AsyncLocalStorage<Ambient>();

/** The runner of the open ambient transaction of this DataSource, if any. */
export function ambientRunner(dataSource: DataSource): QueryRunner | undefined {
  const a = storage.getStore();
  return a && a.open && a.dataSource === dataSource && !a.runner.isReleased ? a.runner : undefined;
}

/**
 * Runs `work` inside one transaction on one connection, with every TypeORM call of `dataSource`
 * made meanwhile joining it. `work` receives the runner; what it returns is committed, a throw
 * rolls everything back. `beforeCommit` runs after `work` succeeded, still inside.
 */
export async function runInAmbientTransaction<T>(dataSource: DataSource, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
  // Always a connection of its own: one unit of work never borrows another's transaction.
  const runner = ownQueryRunner.call(dataSource);
  await runner.connect();
  guardStatements(runner);
  const ambient: Ambient = { dataSource, runner, open: true };
  try {
    await runner.startTransaction();
    const result = await storage.run(ambient, () => work(runner));
    await runner.commitTransaction();
    return result;
  } catch (e) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw e;
  } finally {
    ambient.open = false;
    await runner.release();
  }
}

/** Runs `work` outside any ambient transaction (background work started from a request). */
export function outsideAmbientTransaction<T>(work: () => T): T {
  return storage.exit(work);
}

const CONTROL = /^\s*(SAVEPOINT|RELEASE|ROLLBACK|COMMIT|START TRANSACTION|BEGIN|SET )/i;

/** Top-level statements (transaction depth 1) each under a savepoint, so a caught failure does not abort the rest. */
function guardStatements(runner: QueryRunner): void {
  const query = runner.query.bind(runner) as (...args: any[]) => Promise<any>;
  (runner as any).query = async (sql: string, ...rest: any[]) => {
    if ((runner as any).transactionDepth !== 1 || CONTROL.test(sql)) return query(sql, ...rest);
    await query('SAVEPOINT ol_statement');
    try {
      const result = await query(sql, ...rest);
      await query('RELEASE SAVEPOINT ol_statement');
      return result;
    } catch (e) {
      await query('ROLLBACK TO SAVEPOINT ol_statement').catch(() => undefined);
      throw e;
    }
  };
}

/** The ambient runner lent to code that releases what it creates: everything but `release` goes to the runner itself. */
function borrowed(runner: QueryRunner): QueryRunner {
  return new Proxy(runner, {
    get: (target, prop) => (prop === 'release' ? async () => undefined : Reflect.get(target, prop, target)),
    set: (target, prop, value) => Reflect.set(target, prop, value, target),
  });
}

const INSTALLED = Symbol.for('outcome-ledger.ambient-transactions');
const ownQueryRunner = DataSource.prototype.createQueryRunner;

/**
 * Patches TypeORM once per process. Every path of TypeORM to a connection goes through
 * `DataSource#createQueryRunner` — `query`, `transaction`, the managers (the DataSource's own, an
 * injected one, a repository's), query builders, persistence — so inside an ambient transaction
 * that one method lends the ambient runner, and all of them join it.
 */
export function installAmbientTransactions(): void {
  const proto = DataSource.prototype as any;
  if (proto[INSTALLED]) return;
  proto[INSTALLED] = true;
  DataSource.prototype.createQueryRunner = function (this: DataSource, ...args: Parameters<typeof ownQueryRunner>) {
    const runner = ambientRunner(this);
    return runner ? borrowed(runner) : ownQueryRunner.apply(this, args);
  };
}

// Installed on import, before any request runs.
installAmbientTransactions();
