import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the pool gauges read: pg's Pool counters (TypeORM's `driver.master`). */
export interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * The service's Prometheus metrics, on a registry of its own (not prom-client's global one).
 * One instance per process (`metrics` below): domain code counts with one line, without a
 * constructor parameter, and a process that boots several apps (the e2e suites) keeps one set.
 * Counters count what this process did since it started; Prometheus' rate() handles restarts.
 */
export class Metrics {
  readonly registry = new Registry();
  private pool: (() => PoolStats | undefined) | null = null;

  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly outcomesIngested = new Counter({
    name: 'outcome_ledger_outcomes_ingested_total',
    help: 'Outcome events recorded (replays of an externalId are not counted)',
    registers: [this.registry],
  });

  readonly billingRuns = new Counter({
    name: 'outcome_ledger_billing_runs_total',
    help: 'Billing runs completed',
    registers: [this.registry],
  });

  readonly billingRunContracts = new Counter({
    name: 'outcome_ledger_billing_run_contracts_total',
    help: 'Contracts handled by billing runs, by result (drafted, refused, already_finalized, failed; skipped: not billable in the period)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly ledgerPostings = new Counter({
    name: 'outcome_ledger_ledger_postings_total',
    help: 'Journal entries posted to the hash chain, by kind (repeated postings of one reference are not counted)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'outcome_ledger_webhook_delivery_attempts_total',
    help: 'Webhook delivery attempts, by result: succeeded, retrying (failed, will retry), failed (gave up)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const self = this;
    for (const [name, help, read] of [
      ['db_pool_connections_total', 'Connections open in the database pool', (s: PoolStats) => s.totalCount],
      ['db_pool_connections_idle', 'Idle connections in the database pool', (s: PoolStats) => s.idleCount],
      ['db_pool_requests_waiting', 'Queries waiting for a database connection', (s: PoolStats) => s.waitingCount],
    ] as const) {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const stats = self.pool?.();
          if (stats) this.set(read(stats));
        },
      });
    }
  }

  /** The pool the gauges read, set by the app that owns it; `null` when it closes. */
  watchPool(read: (() => PoolStats | undefined) | null): void {
    this.pool = read;
  }

  /** Counts a completed billing run and what it did with each contract. */
  billingRunCompleted(counts: Record<string, number>): void {
    this.billingRuns.inc();
    for (const [result, n] of Object.entries(counts)) this.billingRunContracts.inc({ result }, n);
  }
}

export const metrics = new Metrics();
