import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import type { Queryable } from '../common/sql';
import { envInt } from '../common/config/env-int';

/** pg-boss's schema and our queue, created by migration 1768400000000 (the service role may not run DDL). */
export const BILLING_QUEUE_SCHEMA = 'pgboss';
export const BILLING_QUEUE = 'billing-run-chunk';
/** Where pg-boss moves a chunk whose retries are spent, whatever spent them (a worker killed on the last try included). */
export const BILLING_DEAD_QUEUE = 'billing-run-chunk-dead';

/** One job: some contracts of one run. */
export interface BillingChunk {
  vendorId: string;
  runId: string;
  contractIds: string[];
}

/** `lastAttempt`: the queue will not retry this job if it throws (its retries are spent). */
export type ChunkHandler = (chunk: BillingChunk, attempt: { lastAttempt: boolean }) => Promise<void>;

/** Whether this process works billing jobs: yes unless BILLING_WORKER=false (the CLI sets it; `worker` and `bill` turn it on). */
export function billingWorkerEnabled(): boolean {
  return (process.env.BILLING_WORKER ?? 'true').toLowerCase() !== 'false';
}

/**
 * Contracts per job: small enough that a killed worker loses little, large enough that the queue
 * costs nothing per contract. Drafting is set-based, a chunk costs about the same dozen statements
 * whatever its size: 500 (about a second of work) bills 10,000 contracts 2.6× as fast as 100 did
 * (`npm run bench -- scale --contracts=10000 --chunk=…`; 250: 2.2×, 1,000: 1.8×, too few jobs to share).
 */
export function billingChunkSize(): number {
  return envInt('BILLING_CHUNK_SIZE', 500, { min: 1 });
}

/**
 * The billing runs' job queue: pg-boss on the app's own database and connection pool (no second
 * pool to open or close, no server of its own). It starts with the Nest app and stops before the
 * database does (beforeApplicationShutdown runs ahead of TypeORM's own shutdown): workers stop
 * taking jobs, a job in hand is failed back to the queue (it is retried, and its finished
 * contracts are not redone), and the SQL in flight drains before the pool closes.
 *
 * A job whose worker died (SIGKILL) stays active until it expires (BILLING_JOB_EXPIRE_SECONDS,
 * default 600), then pg-boss's maintenance, run by any live worker every
 * BILLING_QUEUE_MAINTENANCE_SECONDS, hands it to the next worker. A job whose retries are spent
 * that way (its worker killed on every try, BILLING_JOB_RETRY_LIMIT, default 20) is moved to the
 * dead-letter queue, whose worker finishes the chunk as a last attempt, so that no run stays
 * `running` for ever.
 *
 * pg-boss is pinned at 10.x: 11 and 12 require Node ≥ 22 (this project runs on Node 20) and 12 is
 * published as ES modules only, which jest's CommonJS runtime here cannot load.
 */
@Injectable()
export class BillingQueue implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BillingQueue.name);
  private boss: PgBoss | null = null;
  private starting: Promise<PgBoss> | null = null;
  private handler: ChunkHandler | null = null;
  private workerIds: string[] = [];
  private inflightSql = 0;
  private runningJobs = 0;
  private stopping = false;
  private closed = false;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Called once by the runs service: what a worker does with a job. */
  setHandler(h: ChunkHandler): void {
    this.handler = h;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (billingWorkerEnabled()) await this.work();
  }

  /** Starts this process's workers (BILLING_WORKER_CONCURRENCY of them, default 2), once. */
  async work(): Promise<void> {
    if (this.workerIds.length) return;
    const boss = await this.started();
    const concurrency = envInt('BILLING_WORKER_CONCURRENCY', 2, { min: 1 });
    const pollingIntervalSeconds = envInt('BILLING_POLL_MS', 1000, { min: 500 }) / 1000;
    const options = { batchSize: 1, pollingIntervalSeconds, includeMetadata: true } as const;
    // A dead-lettered chunk's retries are spent: its worker takes it as the last attempt.
    const take = (lastAttempt: (job: { retryCount: number; retryLimit: number }) => boolean) => async ([job]: Array<PgBoss.JobWithMetadata<BillingChunk>>) => {
      if (this.stopping) throw new Error('worker stopping: the job goes back to the queue');
      this.runningJobs++;
      try {
        await this.handler!(job.data, { lastAttempt: lastAttempt(job) });
      } finally {
        this.runningJobs--;
      }
    };
    for (let i = 0; i < concurrency; i++)
      this.workerIds.push(await boss.work<BillingChunk>(BILLING_QUEUE, options, take((job) => job.retryCount >= job.retryLimit)));
    this.workerIds.push(await boss.work<BillingChunk>(BILLING_DEAD_QUEUE, options, take(() => true)));
  }

  /** Queues a run's chunks inside the caller's transaction: the jobs exist if and only if the run does. */
  async enqueue(em: Queryable, chunks: readonly BillingChunk[]): Promise<void> {
    if (!chunks.length) return;
    const boss = await this.started();
    const expireInSeconds = envInt('BILLING_JOB_EXPIRE_SECONDS', 600, { min: 1 });
    // Default: the queue's (20, set by migration); the crash tests lower it.
    const retries = process.env.BILLING_JOB_RETRY_LIMIT !== undefined ? { retryLimit: envInt('BILLING_JOB_RETRY_LIMIT', 20) } : {};
    const inTx = { executeSql: async (text: string, values: unknown[]) => ({ rows: await em.query(text, values) }) };
    await boss.insert(
      chunks.map((data) => ({ name: BILLING_QUEUE, data, expireInSeconds, ...retries })),
      { db: inTx },
    );
  }

  /** After the run's transaction commits: wake this process's idle workers instead of waiting for their next poll. */
  wake(): void {
    for (const id of this.workerIds) this.boss?.notifyWorker(id);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    const boss = this.boss ?? (this.starting ? await this.starting.catch(() => null) : null);
    if (boss) await boss.stop({ graceful: true, wait: true, close: false, timeout: 10_000 }).catch((e) => this.logger.warn(`stopping the billing queue: ${e}`));
    // A fetch in flight may still hand over a job, which is failed back to the queue (above) through the pool.
    for (let waited = 0; (this.inflightSql > 0 || this.runningJobs > 0) && waited < 5_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    this.closed = true;
  }

  private started(): Promise<PgBoss> {
    if (this.boss) return Promise.resolve(this.boss);
    this.starting ??= this.start();
    return this.starting;
  }

  private async start(): Promise<PgBoss> {
    const boss = new PgBoss({
      schema: BILLING_QUEUE_SCHEMA,
      db: { executeSql: (text, values) => this.executeSql(text, values) },
      migrate: false,
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: envInt('BILLING_QUEUE_MAINTENANCE_SECONDS', 30, { min: 1 }),
    });
    boss.on('error', (e) => {
      if (!this.closed) this.logger.error(`billing queue: ${e instanceof Error ? e.message : JSON.stringify(e)}`);
    });
    await boss.start();
    this.boss = boss;
    return boss;
  }

  /** pg-boss's statements on the app's pool; none once the app is shutting its pool. */
  private async executeSql(text: string, values?: unknown[]): Promise<{ rows: any[] }> {
    if (this.closed) throw new Error('billing queue closed');
    this.inflightSql++;
    const qr = this.db.createQueryRunner();
    try {
      const r = await qr.query(text, values ?? [], true);
      return { rows: r.records ?? [] };
    } finally {
      await qr.release();
      this.inflightSql--;
    }
  }
}
