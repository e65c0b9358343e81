import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { configureApp } from '../../src/app.setup';
import { VendorsService } from '../../src/parties/vendors.service';
import { OWNER_ROLE, SERVICE_ROLE } from '../../src/database/roles';
import { TEMPLATE_DB, TEST_ROLE_PASSWORDS } from './harness-file';
import { OpenApiResponses } from './openapi-responses';

export interface TestVendor {
  vendorId: string;
  adminKey: string;
}

export interface TestApp {
  app: INestApplication;
  /** A privileged (superuser) connection to the app's database, for assertions and test set-up. */
  db: DataSource;
  /** The app's own connection: the service role, which owns nothing. */
  appDb: DataSource;
  /** The app's database as the superuser. */
  databaseUrl: string;
  /** The same database as the service role (what the app connects as) and as the schema owner. */
  appDatabaseUrl: string;
  ownerDatabaseUrl: string;
  /** Unauthenticated supertest against the app. */
  http(): ReturnType<typeof request>;
  /** Requests with `Authorization: Bearer <key>`. */
  as(key: string): KeyedClient;
  /** Operator action (CLI): a vendor with its first admin key. */
  createVendor(name?: string): Promise<TestVendor>;
  /** Row counts of the given tables, to prove a rejected request wrote nothing. */
  counts(tables: string[]): Promise<Record<string, number>>;
  close(): Promise<void>;
  /** With `validateResponses`: the checker every answer went through (what it saw, for coverage). */
  openapi: OpenApiResponses | null;
}

export interface KeyedClient {
  get(path: string): request.Test;
  post(path: string, body?: unknown, headers?: Record<string, string>): request.Test;
  patch(path: string, body?: unknown): request.Test;
  put(path: string, body?: unknown): request.Test;
  delete(path: string): request.Test;
}

/**
 * A real app on its own fresh database (a copy of the migrated template). `env` overrides
 * configuration for this app: configuration is read when the app module is first loaded, so it
 * is loaded here, after the overrides, not at import time.
 */
export async function createTestApp(opts: { env?: Record<string, string>; validateResponses?: boolean } = {}): Promise<TestApp> {
  const serverUrl = process.env.OL_TEST_SERVER_URL;
  if (!serverUrl) throw new Error('OL_TEST_SERVER_URL is not set: run e2e tests through jest (test/support/global-setup.ts)');
  const dbName = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName} TEMPLATE ${TEMPLATE_DB} OWNER ${OWNER_ROLE}`);
  await admin.end();
  const databaseUrl = `${serverUrl}/${dbName}`;
  const appDatabaseUrl = roleUrl(serverUrl, dbName, SERVICE_ROLE, TEST_ROLE_PASSWORDS.app);
  const ownerDatabaseUrl = roleUrl(serverUrl, dbName, OWNER_ROLE, TEST_ROLE_PASSWORDS.owner);
  // The app runs as the service role, as in production; the template is already migrated (as owner).
  process.env.DATABASE_URL = appDatabaseUrl;
  process.env.MIGRATIONS_DATABASE_URL = ownerDatabaseUrl;
  Object.assign(process.env, opts.env ?? {});
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AppModule } = require('../../src/app.module') as typeof import('../../src/app.module');

  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bufferLogs: true, bodyParser: false });
  configureApp(app);
  await app.init();
  const appDb = app.get(DataSource);
  // Configuration is cached by the first app of a test file: a second app reuses that database, so
  // the privileged connection follows the database the app really uses.
  const appDbName = new URL((appDb.options as { url: string }).url).pathname.slice(1);
  const db = new DataSource({ ...appDb.options, url: `${serverUrl}/${appDbName}`, migrationsRun: false, extra: { max: 10 } } as typeof appDb.options);
  await db.initialize();
  const server = app.getHttpServer();

  // `validateResponses`: every answer of this app is held to the document it serves (/openapi.json).
  const openapi = opts.validateResponses ? new OpenApiResponses((await request(server).get('/openapi.json').expect(200)).body) : null;
  const hooked = (t: request.Test): request.Test => (openapi ? t.expect((res) => openapi.check(res)) : t);
  const http = (): ReturnType<typeof request> => {
    const agent = request(server);
    if (!openapi) return agent;
    return new Proxy(agent, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || !['get', 'post', 'put', 'patch', 'delete', 'head'].includes(String(prop))) return value;
        return (...args: unknown[]) => hooked((value as (...a: unknown[]) => request.Test).apply(target, args));
      },
    });
  };

  const as = (key: string): KeyedClient => ({
    get: (path) => hooked(request(server).get(path).set('Authorization', `Bearer ${key}`)),
    post: (path, body, headers) => {
      const r = hooked(request(server).post(path).set('Authorization', `Bearer ${key}`));
      for (const [k, v] of Object.entries(headers ?? {})) r.set(k, v);
      return body === undefined ? r : r.send(body as object);
    },
    patch: (path, body) => hooked(request(server).patch(path).set('Authorization', `Bearer ${key}`).send(body as object)),
    put: (path, body) => hooked(request(server).put(path).set('Authorization', `Bearer ${key}`).send(body as object)),
    delete: (path) => hooked(request(server).delete(path).set('Authorization', `Bearer ${key}`)),
  });

  return {
    app,
    db,
    appDb,
    databaseUrl,
    appDatabaseUrl,
    ownerDatabaseUrl,
    http,
    as,
    openapi,
    async createVendor(name = 'Test Vendor') {
      const created = await app.get(VendorsService).create(name);
      return { vendorId: created.vendor.id, adminKey: created.adminKey.secret };
    },
    async counts(tables) {
      const out: Record<string, number> = {};
      for (const t of tables) out[t] = Number((await db.query(`SELECT count(*)::int AS n FROM ${t}`))[0].n);
      return out;
    },
    async close() {
      await app.close();
      await db.destroy();
      const c = new Client({ connectionString: `${serverUrl}/postgres` });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await c.end();
    },
  };
}

function roleUrl(serverUrl: string, database: string, user: string, password: string): string {
  const u = new URL(`${serverUrl}/${database}`);
  u.username = user;
  u.password = password;
  return u.href;
}
