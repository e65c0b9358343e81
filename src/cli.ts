import 'reflect-metadata';
import { ensureDatabaseOrExit, loadConfigOrExit } from './database/runtime-database';

/**
 * The operator's command line: `npm run cli -- <command>`. Commands live beside their domain as
 * nest-commander providers (vendor, keys, bill, ledger verify …). Uses DATABASE_URL, or the
 * embedded PostgreSQL of DATA_DIR (shared with a running service; started, or adopted from a
 * crashed run, and then stopped on exit).
 */
async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'warn';
  process.env.WEBHOOKS_DISPATCH = 'false'; // a CLI run never delivers webhooks
  process.env.BILLING_WORKER = 'false'; // nor works billing jobs, except `worker` and `bill`, which start theirs
  process.env.SEED_DEMO = 'false';
  const config = loadConfigOrExit();
  // One attempt: an operator at a prompt wants the one line now, not 25 s of retries.
  const embedded = await ensureDatabaseOrExit(config, { say: () => undefined, notice: (m) => console.error(m), attempts: 1 });
  let code = 0;
  try {
    // Loaded once the database answers, so an unreachable one is reported without loading the app.
    const { CommandFactory } = await import('nest-commander');
    const { AppModule } = await import('./app.module');
    await CommandFactory.run(AppModule, {
      logger: ['error'],
      errorHandler: (err) => {
        // commander's own exits (help, version) carry exitCode 0
        const exitCode = (err as { exitCode?: number }).exitCode;
        if (exitCode === 0) return;
        console.error(err.message);
        code = 1;
      },
      serviceErrorHandler: (err) => {
        console.error(err.message);
        code = 1;
      },
    });
  } finally {
    await embedded?.stop();
  }
  process.exit(process.exitCode ?? code);
}

void main();
