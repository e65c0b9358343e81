import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { Principal } from '../auth/principal';
import { notFound } from '../common/errors/common.errors';
import { decodeCursor, encodeCursor, paginate } from '../common/http/pagination';
import {
  CreatedWebhookEndpointView,
  CreateWebhookEndpointDto,
  WebhookEndpointPage,
  WebhookEndpointView,
  WebhookEventListQuery,
  WebhookEventPage,
  WebhookEventView,
} from './dto/webhook.dto';
import { WEBHOOK_EVENT_TYPES, WebhookEndpoint, WebhookEventType } from './entities/webhook.entities';
import { WebhookError, WebhookErrorCode } from './webhooks.errors';

function toEndpointView(e: WebhookEndpoint): WebhookEndpointView {
  return {
    id: e.id,
    url: e.url,
    eventTypes: e.eventTypes,
    description: e.description,
    active: e.active,
    createdAt: e.createdAt.toISOString(),
    disabledAt: e.disabledAt ? e.disabledAt.toISOString() : null,
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
                                                        'responseStatus', a.response_status, 'error', a.error, 'succeeded', a.succeeded)
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
export class WebhooksService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(WebhookEndpoint) private readonly endpoints: Repository<WebhookEndpoint>,
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

  async createEndpoint(vendorId: string, dto: CreateWebhookEndpointDto): Promise<CreatedWebhookEndpointView> {
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    const saved = await this.endpoints.save(
      this.endpoints.create({ vendorId, url: dto.url, secret, eventTypes: dto.eventTypes, description: dto.description ?? null, active: true }),
    );
    const row = await this.endpoints.findOneByOrFail({ vendorId, id: saved.id });
    return { ...toEndpointView(row), secret };
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
