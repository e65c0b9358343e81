import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { Principal } from '../auth/principal';
import { notFound } from '../common/errors/common.errors';
import { decodeCursor, encodeCursor, paginate } from '../common/http/pagination';
import { SecretBox } from '../secrets/secret-box';
import { WebhookDestinationPolicy } from './destination-policy';
import {
  CreatedWebhookEndpointView,
  CreateWebhookEndpointDto,
  RotateWebhookSecretDto,
  WebhookEndpointPage,
  WebhookEndpointView,
  WebhookEventListQuery,
  WebhookEventPage,
  WebhookEventView,
} from './dto/webhook.dto';
import { WEBHOOK_EVENT_TYPES, WebhookEndpoint, WebhookEventType } from './entities/webhook.entities';
import { endpointSecretContext } from './endpoint-secret';
import { newWebhookSecret } from './signature';
import { WebhookError, WebhookErrorCode } from './webhooks.errors';

const DEFAULT_SECRET_OVERLAP_SECONDS = 24 * 3600;

function toEndpointView(e: WebhookEndpoint): WebhookEndpointView {
  return {
    id: e.id,
    url: e.url,
    eventTypes: e.eventTypes,
    description: e.description,
    active: e.active,
    createdAt: e.createdAt.toISOString(),
    disabledAt: e.disabledAt ? e.disabledAt.toISOString() : null,
    previousSecretExpiresAt: e.previousSecretExpiresAt && e.previousSecretExpiresAt > new Date() ? e.previousSecretExpiresAt.toISOString() : null,
  };
}

const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());

/** Events with their deliveries and every attempt, aggregated in SQL. */
const EVENT_SELECT = `
  SELECT ev.id, ev.type, ev.payload, ev.created_at,
         coalesce((
           SELECT json_agg(json_build_object(
                    'id', d.id, 'endpointId', d.endpoint_id, 'url', ep.url, 'status', d.status, 'attempts', d.attempts,
                    'nextAttemptAt', d.next_attempt_at, 'deliveredAt', d.delivered_at,
                    'attemptLog', coalesce((
                      SELECT json_agg(json_build_object('attempt', a.attempt, 'startedAt', a.started_at, 'durationMs', a.duration_ms,
                                                        'responseStatus', a.response_status, 'succeeded', a.succeeded,
                                                        -- Rebuilt from the status: attempts logged before this rule kept socket errors.
                                                        'error', CASE WHEN a.succeeded THEN NULL WHEN a.response_status IS NULL THEN 'delivery failed'
                                                                      ELSE 'delivery failed (HTTP ' || a.response_status || ')' END)
                                      ORDER BY a.attempt)
                        FROM webhook_delivery_attempts a WHERE a.vendor_id = d.vendor_id AND a.delivery_id = d.id), '[]'::json))
                  ORDER BY d.id)
             FROM webhook_deliveries d
             JOIN webhook_endpoints ep ON ep.vendor_id = d.vendor_id AND ep.id = d.endpoint_id
            WHERE d.vendor_id = ev.vendor_id AND d.event_id = ev.id), '[]'::json) AS deliveries
    FROM webhook_events ev`;

function toEventView(r: any): WebhookEventView {
  return {
    id: r.id,
    type: r.type,
    createdAt: iso(r.created_at)!,
    data: r.payload,
    deliveries: r.deliveries.map((d: any) => ({
      id: d.id,
      endpointId: d.endpointId,
      url: d.url,
      status: d.status,
      attempts: d.attempts,
      nextAttemptAt: iso(d.nextAttemptAt),
      deliveredAt: iso(d.deliveredAt),
      attemptLog: d.attemptLog.map((a: any) => ({ ...a, startedAt: iso(a.startedAt) })),
    })),
  };
}

@Injectable()
export class WebhooksService implements OnModuleInit {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(WebhookEndpoint) private readonly endpoints: Repository<WebhookEndpoint>,
    private readonly destinations: WebhookDestinationPolicy,
    private readonly secrets: SecretBox,
  ) {}

  /**
   * Writes the event to the outbox, with one pending delivery per active endpoint subscribed to its
   * type, inside the caller's transaction: the event exists if and only if the change it announces
   * commits. Delivery happens after commit, by the dispatcher.
   */
  async enqueue(em: EntityManager, vendorId: string, type: WebhookEventType, data: Record<string, unknown>): Promise<void> {
    if (!WEBHOOK_EVENT_TYPES.includes(type)) throw WebhookError.create(WebhookErrorCode.WEBHOOK_EVENT_TYPE_UNKNOWN, `unknown event type ${type}`);
    await em.query(
      `WITH ev AS (
         INSERT INTO webhook_events (vendor_id, type, payload) VALUES ($1, $2, $3::jsonb) RETURNING id
       )
       INSERT INTO webhook_deliveries (vendor_id, event_id, endpoint_id, status, next_attempt_at)
       SELECT $1, ev.id, ep.id, 'pending', now()
         FROM ev JOIN webhook_endpoints ep ON ep.vendor_id = $1 AND ep.active AND $2 = ANY(ep.event_types)`,
      [vendorId, type, JSON.stringify(data)],
    );
  }

  /** Refuses a destination the service must not reach (checked again at every delivery), writing nothing. */
  async createEndpoint(vendorId: string, dto: CreateWebhookEndpointDto): Promise<CreatedWebhookEndpointView> {
    const destination = await this.destinations.check(dto.url);
    if (!destination.allowed)
      throw WebhookError.create(WebhookErrorCode.WEBHOOK_URL_REFUSED, destination.reason, [{ field: 'url', message: destination.reason }]);
    const secret = newWebhookSecret();
    // The id first: the secret's envelope is bound to its row.
    const [{ id }] = await this.db.query(`SELECT uuidv7() AS id`);
    const secretEnvelope = await this.secrets.seal(secret, endpointSecretContext(vendorId, id));
    await this.endpoints.insert({ vendorId, id, url: dto.url, secretEnvelope, eventTypes: dto.eventTypes, description: dto.description ?? null, active: true });
    const row = await this.endpoints.findOneByOrFail({ vendorId, id });
    return { ...toEndpointView(row), secret };
  }

  /**
   * A new secret, returned once. The replaced one keeps signing deliveries beside it for the
   * overlap (default 24 h), so that receivers can switch without losing an event; a rotation
   * within an open overlap ends the older window (two secrets at most).
   */
  async rotateSecret(p: Principal, id: string, dto: RotateWebhookSecretDto): Promise<CreatedWebhookEndpointView> {
    const overlap = dto.overlapSeconds ?? DEFAULT_SECRET_OVERLAP_SECONDS;
    const secret = newWebhookSecret();
    const secretEnvelope = await this.secrets.seal(secret, endpointSecretContext(p.vendorId, id));
    const row = await this.db.transaction(async (em) => {
      const [current] = await em.query(`SELECT secret_envelope FROM webhook_endpoints WHERE vendor_id = $1 AND id = $2 FOR UPDATE`, [p.vendorId, id]);
      if (!current) throw notFound('webhook endpoint', id);
      await em.query(
        `UPDATE webhook_endpoints
            SET secret_envelope = $3::jsonb,
                previous_secret_envelope = CASE WHEN $4::int > 0 THEN secret_envelope END,
                previous_secret_expires_at = CASE WHEN $4::int > 0 THEN now() + make_interval(secs => $4::int) END
          WHERE vendor_id = $1 AND id = $2`,
        [p.vendorId, id, JSON.stringify(secretEnvelope), overlap],
      );
      return em.findOneByOrFail(WebhookEndpoint, { vendorId: p.vendorId, id });
    });
    return { ...toEndpointView(row), secret };
  }

  onModuleInit(): Promise<void> {
    return this.encryptLegacySecrets().then(() => undefined);
  }

  /**
   * One-time step for databases from before encryption at rest: each plaintext endpoint secret
   * becomes an envelope and the plaintext column is nulled. Runs on every start; finds nothing after the first.
   */
  async encryptLegacySecrets(): Promise<number> {
    const legacy: Array<{ vendor_id: string; id: string }> = await this.db.query(`SELECT vendor_id, id FROM webhook_endpoints WHERE secret IS NOT NULL`);
    for (const e of legacy) {
      await this.db.transaction(async (em) => {
        const [row] = await em.query(`SELECT secret FROM webhook_endpoints WHERE vendor_id = $1 AND id = $2 AND secret IS NOT NULL FOR UPDATE`, [e.vendor_id, e.id]);
        if (!row) return; // another instance did it
        const envelope = await this.secrets.seal(row.secret, endpointSecretContext(e.vendor_id, e.id));
        await em.query(`UPDATE webhook_endpoints SET secret_envelope = $3::jsonb, secret = NULL WHERE vendor_id = $1 AND id = $2`, [
          e.vendor_id,
          e.id,
          JSON.stringify(envelope),
        ]);
      });
    }
    if (legacy.length) this.logger.log(`encrypted ${legacy.length} webhook endpoint secret(s) at rest (one-time upgrade)`);
    return legacy.length;
  }

  async listEndpoints(p: Principal, q: { limit?: number; cursor?: string }): Promise<WebhookEndpointPage> {
    const qb = this.endpoints.createQueryBuilder('e').where('e.vendor_id = :vendorId', { vendorId: p.vendorId });
    return paginate(qb, 'e', q, toEndpointView);
  }

  /** Stops deliveries to an endpoint: its pending deliveries fail now. Disabling twice is harmless. */
  async disableEndpoint(p: Principal, id: string): Promise<WebhookEndpointView> {
    return this.db.transaction(async (em) => {
      const e = await em.findOne(WebhookEndpoint, { where: { vendorId: p.vendorId, id }, lock: { mode: 'pessimistic_write' } });
      if (!e) throw notFound('webhook endpoint', id);
      if (e.active) {
        await em.query(`UPDATE webhook_endpoints SET active = false, disabled_at = now() WHERE vendor_id = $1 AND id = $2`, [p.vendorId, id]);
        await em.query(
          `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = 'endpoint disabled'
            WHERE vendor_id = $1 AND endpoint_id = $2 AND status = 'pending'`,
          [p.vendorId, id],
        );
      }
      return toEndpointView(await em.findOneByOrFail(WebhookEndpoint, { vendorId: p.vendorId, id }));
    });
  }

  async listEvents(p: Principal, q: WebhookEventListQuery): Promise<WebhookEventPage> {
    const limit = q.limit ?? 50;
    const params: unknown[] = [p.vendorId];
    const where = ['ev.vendor_id = $1'];
    if (q.type) where.push(`ev.type = $${params.push(q.type)}`);
    if (q.cursor) where.push(`ev.id < $${params.push(decodeCursor(q.cursor))}`);
    const rows = await this.db.query(`${EVENT_SELECT} WHERE ${where.join(' AND ')} ORDER BY ev.id DESC LIMIT $${params.push(limit + 1)}`, params);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return { data: page.map(toEventView), nextCursor: more ? encodeCursor(page[page.length - 1].id) : null };
  }

  async getEvent(p: Principal, id: string): Promise<WebhookEventView> {
    const [row] = await this.db.query(`${EVENT_SELECT} WHERE ev.vendor_id = $1 AND ev.id = $2`, [p.vendorId, id]);
    if (!row) throw notFound('webhook event', id);
    return toEventView(row);
  }
}
