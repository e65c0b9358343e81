import { getEntityManagerToken, getRepositoryToken } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError, Repository } from 'typeorm';
import { runInAmbientTransaction } from '../../src/database/transaction-context';
import { Customer } from '../../src/parties/entities/customer.entity';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * Code that knows nothing of the request's transaction — raw queries, the DataSource's manager,
 * nested transactions, injected repositories — joins it while it runs, so the whole unit commits
 * or rolls back as one.
 */
describe('the ambient transaction of a request', () => {
  let t: TestApp;
  let db: DataSource;
  let vendorId: string;

  beforeAll(async () => {
    t = await createTestApp();
    db = t.appDb;
    vendorId = (await t.createVendor('Ambient Vendor')).vendorId;
    await db.query(`INSERT INTO customers (vendor_id, name) VALUES ($1, 'Existing Customer')`, [vendorId]);
  });
  afterAll(() => t.close());

  const customers = async (prefix: string) =>
    (await db.query(`SELECT name FROM customers WHERE vendor_id = $1 AND name LIKE $2 ORDER BY name`, [vendorId, `${prefix}%`])).map(
      (r: { name: string }) => r.name,
    );
  const insert = (name: string) => db.query(`INSERT INTO customers (vendor_id, name) VALUES ($1, $2)`, [vendorId, name]);

  it('runs raw queries, the manager, nested transactions and repositories on one connection', async () => {
    const pids = await runInAmbientTransaction(db, async (runner) => {
      const pid = async (q: Promise<Array<{ pid: number }>>) => (await q)[0].pid;
      return [
        await pid(runner.query('SELECT pg_backend_pid() AS pid')),
        await pid(db.query('SELECT pg_backend_pid() AS pid')),
        await pid(db.manager.query('SELECT pg_backend_pid() AS pid')),
        await db.transaction((em) => pid(em.query('SELECT pg_backend_pid() AS pid'))),
        await pid(db.getRepository(Customer).query('SELECT pg_backend_pid() AS pid')),
        await pid(t.app.get<Repository<Customer>>(getRepositoryToken(Customer)).query('SELECT pg_backend_pid() AS pid')),
        await pid(t.app.get<EntityManager>(getEntityManagerToken()).query('SELECT pg_backend_pid() AS pid')),
        (await db.createQueryBuilder().select('pg_backend_pid()', 'pid').from('vendors', 'v').where('v.id = :vendorId', { vendorId }).getRawOne()).pid,
        (await db.createQueryBuilder(Customer, 'c').select('pg_backend_pid()', 'pid').limit(1).getRawOne()).pid,
      ];
    });
    expect(new Set(pids).size).toBe(1);
  });

  it('rolls back everything written through any of them when the unit fails', async () => {
    await expect(
      runInAmbientTransaction(db, async () => {
        await insert('rb-raw');
        await db.transaction((em) => em.query(`INSERT INTO customers (vendor_id, name) VALUES ($1, 'rb-nested')`, [vendorId]));
        await db.getRepository(Customer).save(db.getRepository(Customer).create({ vendorId, name: 'rb-repository' }));
        const injected = t.app.get<Repository<Customer>>(getRepositoryToken(Customer));
        await injected.insert({ vendorId, name: 'rb-injected' });
        await t.app.get<EntityManager>(getEntityManagerToken()).transaction((em) => em.insert(Customer, { vendorId, name: 'rb-manager' }));
        expect(await customers('rb-')).toEqual(['rb-injected', 'rb-manager', 'rb-nested', 'rb-raw', 'rb-repository']);
        throw new Error('the handler failed');
      }),
    ).rejects.toThrow('the handler failed');
    expect(await customers('rb-')).toEqual([]);
  });

  it('lends the unit to code that manages its own query runner: its commit and release stay inside the unit', async () => {
    await expect(
      runInAmbientTransaction(db, async (outer) => {
        const qr = db.createQueryRunner();
        await qr.connect();
        await qr.startTransaction();
        await qr.query(`INSERT INTO customers (vendor_id, name) VALUES ($1, 'own-runner')`, [vendorId]);
        await qr.commitTransaction();
        await qr.release();
        expect(outer.isReleased).toBe(false);
        expect((await db.query('SELECT pg_backend_pid() AS pid'))[0].pid).toBe((await outer.query('SELECT pg_backend_pid() AS pid'))[0].pid);
        expect(await customers('own-')).toEqual(['own-runner']);
        throw new Error('the handler failed after');
      }),
    ).rejects.toThrow('the handler failed after');
    expect(await customers('own-')).toEqual([]);
  });

  it('keeps the unit usable after a caught failure in a nested transaction or in a single statement', async () => {
    await runInAmbientTransaction(db, async () => {
      await insert('ok-1');
      await expect(
        db.transaction(async (em) => {
          await em.query(`INSERT INTO customers (vendor_id, name) VALUES ($1, 'lost-in-savepoint')`, [vendorId]);
          await em.query(`SELECT 1/0`);
        }),
      ).rejects.toBeInstanceOf(QueryFailedError);
      await expect(db.query(`SELECT 'not-a-uuid'::uuid`)).rejects.toBeInstanceOf(QueryFailedError);
      await insert('ok-2');
    });
    expect(await customers('ok-')).toEqual(['ok-1', 'ok-2']);
    expect(await customers('lost-')).toEqual([]);
  });

  it('lets work that outlives the unit fall back to the pool once it committed', async () => {
    let later!: Promise<unknown>;
    await runInAmbientTransaction(db, async () => {
      later = new Promise((resolve, reject) => setTimeout(() => insert('after-commit').then(resolve, reject), 50));
    });
    await later;
    expect(await customers('after-')).toEqual(['after-commit']);
  });
});
