import cluster, { type Worker } from 'node:cluster';
import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from './common/config/app-config';
import { ensureDatabaseOrExit } from './database/runtime-database';

/**
 * `API_PROCESSES` > 1: this process is the cluster's primary. It starts the embedded PostgreSQL and
 * runs the migrations once, then forks the workers that serve the API on one shared port (the
 * primary hands out connections). Background work runs in worker 1 only: each kind is safe in
 * several processes (SKIP LOCKED, an advisory lock, pg-boss), but on a small machine N pollers buy
 * nothing. A worker that dies after it served is started again; one that dies before it ever
 * listened stops the whole service (exit 1), so a bad port does not loop. SIGTERM/SIGINT stop the
 * workers (each closes its app), then the database, then the primary (exit 0).
 */
export async function runPrimary(config: AppConfig, say: (m: string) => void): Promise<void> {
  const embedded = await ensureDatabaseOrExit(config, { say, attempts: 10 });
  let stopping = false;
  const stopAll = async (code: number) => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    await Promise.all(
      workers.map((w) =>
        w.isDead() ? undefined : new Promise<void>((resolve) => {
          w.once('exit', () => resolve());
          w.process.kill('SIGTERM');
        }),
      ),
    );
    await embedded?.stop().catch(() => undefined);
    process.exit(code);
  };
  const fork = (n: number) => {
    const background = n === 1 ? {} : { BILLING_WORKER: 'false', WEBHOOKS_DISPATCH: 'false', OUTCOME_DEEMING_INTERVAL_SECONDS: '0', SEED_DEMO: 'false' };
    const worker = cluster.fork({ OL_API_WORKER: String(n), ...background });
    let listened = false;
    worker.once('listening', () => (listened = true));
    worker.once('exit', (code, signal) => {
      if (stopping) return;
      if (!listened) {
        say(`API process ${n} stopped before it listened (${signal ?? `exit ${code}`}): stopping`);
        void stopAll(1);
        return;
      }
      say(`API process ${n} exited (${signal ?? `exit ${code}`}): starting it again`);
      fork(n);
    });
  };
  for (let n = 1; n <= config.API_PROCESSES; n++) fork(n);
  const shutdown = (signal: string) => {
    if (stopping) return;
    say(`${signal}: stopping ${config.API_PROCESSES} API processes`);
    void stopAll(0);
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** Which worker this is (1..N) when the API runs as several processes, else null. */
export function apiWorker(): number | null {
  return cluster.isWorker && process.env.OL_API_WORKER ? Number(process.env.OL_API_WORKER) : null;
}

/**
 * For tests and the latency bench only (OL_WORKER_HEADER=true): every answer names the process that
 * served it (`X-Api-Process: <worker>/<pid>`), to show that several processes serve one port.
 */
export function apiProcessHeader(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Api-Process', `${apiWorker() ?? 0}/${process.pid}`);
  next();
}
