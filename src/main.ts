import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cluster from 'node:cluster';
import { apiWorker, runPrimary } from './api-processes';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { ensureDatabaseOrExit, loadConfigOrExit } from './database/runtime-database';
import { DemoSeeder } from './demo/demo-seeder';
import { portalBanner } from './portal/portal-banner';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const worker = apiWorker();
  const say = (m: string) => process.stdout.write(`[outcome-ledger${worker ? ` ${worker}` : ''}] ${m}\n`);
  if (cluster.isPrimary && config.API_PROCESSES > 1) return runPrimary(config, say);
  // A database that is restarting (docker compose) gets a few seconds; then one line and exit 1.
  // A cluster worker finds it started and migrated by the primary (DATABASE_URL in its environment).
  const embedded = worker ? null : await ensureDatabaseOrExit(config, { say, attempts: 10 });

  let app: NestExpressApplication | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping`);
    await app?.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: true, bodyParser: false });
    configureApp(app, { bodyLimit: config.BODY_LIMIT });
    const demo = config.SEED_DEMO ? await app.get(DemoSeeder).ensureSeeded(config.DATA_DIR) : null;
    await app.listen(config.PORT);
    const base = config.PUBLIC_BASE_URL ?? `http://localhost:${config.PORT}`;
    say(`listening on ${base}`);
    if (worker && worker > 1) return;
    say(`OpenAPI: ${base}/openapi.json   browsable docs: ${base}/docs   health: ${base}/health`);
    if (demo) for (const line of [...demo.banner(base), ...(await portalBanner(app, base, demo.keys))]) say(line);
  } catch (e) {
    console.error(e);
    await app?.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    process.exit(1);
  }
}

void main();
