import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SecretBox, type SecretEnvelope } from '../secrets/secret-box';
import { WebhookDestinationPolicy } from './destination-policy';
import { endpointSecretContext } from './endpoint-secret';
import { postPinned } from './pinned-post';
import { signWebhook } from './signature';
import { metrics } from '../observability/metrics';
import { PeriodicTask } from '../common/periodic-task';

/** At most this many attempts per delivery; then it is `failed`. */
export const MAX_ATTEMPTS = 8;
/** Wait after attempt n (1-based) before attempt n + 1: 10 s × 2^(n−1) → 10 s, 20 s, 40 s … 640 s. */
export const backoffMs = (attempt: number): number => 10_000 * 2 ** (attempt - 1);
const TIMEOUT_MS = 10_000;
/** A claimed delivery is invisible to other dispatchers this long: longer than one attempt can take. */
const LEASE_MS = 60_000;
const BATCH = 50;

export interface DispatchSummary {
  attempted: number;
  succeeded: number;
  retrying: number;
  failed: number;
}

interface Claimed {
  vendor_id: string;
  id: string;
  attempts: number;
  event_id: string;
  type: string;
  payload: unknown;
  created_at: Date;
  endpoint_id: string;
  url: string;
  secret_envelope: SecretEnvelope;
  /** Set while a rotation's overlap window is open at the dispatch time. */
  previous_secret_envelope: SecretEnvelope | null;
}

/** What the vendor reads in the attempt log: no socket-level detail (it would map the receiver's network). */
export const deliveryFailed = (status: number | null) => (status === null ? 'delivery failed' : `delivery failed (HTTP ${status})`);

/** For the server log only. */
function failureDetail(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `timeout after ${TIMEOUT_MS} ms`;
  const code = (e as { code?: string }).code;
  return code ? `${e.message} (${code})` : e.message;
}

/**
 * Delivers the outbox. Every interval it claims due deliveries (FOR UPDATE SKIP LOCKED, so several
 * app instances share the work without double-sending) and leases them, POSTs each outside any
 * transaction, then records the attempt and schedules the retry. At-least-once: a crash between
 * the POST and the record means one more delivery later, with the same Webhook-Id.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly task = new PeriodicTask('webhook dispatch', () => this.dispatchDue(), this.logger);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly destinations: WebhookDestinationPolicy,
    private readonly secrets: SecretBox,
  ) {}

  /**
   * Starts the interval unless WEBHOOKS_DISPATCH=false (the CLI sets it). Both settings are read
   * from the environment when the app boots, so that each app instance (or test app) decides.
   */
  onApplicationBootstrap(): void {
    if ((process.env.WEBHOOKS_DISPATCH ?? 'true').toLowerCase() === 'false') return;
    const raw = process.env.WEBHOOKS_DISPATCH_INTERVAL_MS ?? '1000';
    const interval = /^\d{2,7}$/.test(raw) ? Number(raw) : 1000;
    this.task.start(interval);
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /**
   * One pass: attempts every delivery due at `now` (tests pass a later clock to skip the backoff).
   * Retries are scheduled from `now`.
   */
  async dispatchDue(now: Date = new Date()): Promise<DispatchSummary> {
    const claimed: Claimed[] = await this.db.query(
      `WITH due AS (
         SELECT vendor_id, id FROM webhook_deliveries
          WHERE status = 'pending' AND next_attempt_at <= $1
          ORDER BY next_attempt_at LIMIT ${BATCH}
          FOR UPDATE SKIP LOCKED
       ), claimed AS (
       UPDATE webhook_deliveries d
          SET attempts = d.attempts + 1, next_attempt_at = $1::timestamptz + make_interval(secs => ${LEASE_MS / 1000})
         FROM due, webhook_events ev, webhook_endpoints ep
        WHERE d.vendor_id = due.vendor_id AND d.id = due.id
          AND ev.vendor_id = d.vendor_id AND ev.id = d.event_id
          AND ep.vendor_id = d.vendor_id AND ep.id = d.endpoint_id
       RETURNING d.vendor_id, d.id, d.attempts, ev.id AS event_id, ev.type, ev.payload, ev.created_at, ep.id AS endpoint_id, ep.url,
                 ep.secret_envelope, CASE WHEN ep.previous_secret_expires_at > $1 THEN ep.previous_secret_envelope END AS previous_secret_envelope
       )
       SELECT * FROM claimed`,
      [now],
    );
    const summary: DispatchSummary = { attempted: claimed.length, succeeded: 0, retrying: 0, failed: 0 };
    const outcomes = await Promise.all(claimed.map((c) => this.attempt(c, now)));
    for (const o of outcomes) summary[o]++;
    return summary;
  }

  private async attempt(c: Claimed, now: Date): Promise<'succeeded' | 'retrying' | 'failed'> {
    const body = JSON.stringify({ id: c.event_id, type: c.type, createdAt: new Date(c.created_at).toISOString(), data: c.payload });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const startedAt = new Date();
    let responseStatus: number | null = null;
    let error: string | null = null;
    try {
      // Checked again now, after resolution: the name may point elsewhere than at registration.
      const destination = await this.destinations.check(c.url);
      if (!destination.allowed) throw new Error(`destination refused: ${destination.reason}`);
      const context = endpointSecretContext(c.vendor_id, c.endpoint_id);
      const secrets = [await this.secrets.openText(c.secret_envelope, context)];
      if (c.previous_secret_envelope) secrets.push(await this.secrets.openText(c.previous_secret_envelope, context));
      responseStatus = await postPinned(
        new URL(c.url),
        destination,
        {
          'content-type': 'application/json',
          'user-agent': 'outcome-ledger-webhooks/1',
          'webhook-id': c.event_id,
          'webhook-timestamp': timestamp,
          'webhook-signature': signWebhook(secrets, c.event_id, timestamp, body),
        },
        body,
        TIMEOUT_MS,
      );
      if (responseStatus < 200 || responseStatus > 299) error = deliveryFailed(responseStatus);
    } catch (e) {
      error = deliveryFailed(null);
      // The detail (refused destination, ECONNREFUSED, timeout, TLS) stays in the server log.
      this.logger.warn(`webhook delivery ${c.id} (vendor ${c.vendor_id}, endpoint ${c.endpoint_id}) attempt ${c.attempts} failed: ${failureDetail(e)}`);
    }
    const durationMs = Date.now() - startedAt.getTime();
    const ok = error === null;
    const outcome = ok ? 'succeeded' : c.attempts >= MAX_ATTEMPTS ? 'failed' : 'retrying';
    await this.db.transaction(async (em) => {
      await em.query(
        `INSERT INTO webhook_delivery_attempts (vendor_id, delivery_id, attempt, started_at, duration_ms, response_status, error, succeeded)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [c.vendor_id, c.id, c.attempts, startedAt, durationMs, responseStatus, error, ok],
      );
      await em.query(
        `UPDATE webhook_deliveries
            SET status = $4, next_attempt_at = $5, last_response_status = $6, last_error = $7,
                delivered_at = CASE WHEN $4 = 'succeeded' THEN now() ELSE NULL END
          WHERE vendor_id = $1 AND id = $2 AND attempts = $3 AND status = 'pending'`,
        [
          c.vendor_id,
          c.id,
          c.attempts,
          outcome === 'retrying' ? 'pending' : outcome,
          outcome === 'retrying' ? new Date(now.getTime() + backoffMs(c.attempts)) : null,
          responseStatus,
          error,
        ],
      );
    });
    metrics.webhookDeliveries.inc({ result: outcome });
    return outcome;
  }
}
