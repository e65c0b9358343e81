import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../common/config/app-config';
import { apiWorker } from '../api-processes';
import { metrics, PoolStats } from './metrics';

/**
 * `GET /metrics` on its own listener (METRICS_HOST:METRICS_PORT, 127.0.0.1:9464 by default), not
 * on the API port: a reverse proxy in front of the API never exposes it, and it answers without
 * an API key. METRICS_TOKEN, when set, is required as a bearer token (for METRICS_HOST=0.0.0.0).
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: http.Server | null = null;

  constructor(
    private readonly config: ConfigService<AppConfig, true>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly adapter: HttpAdapterHost,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Only beside an HTTP app: a CLI run (an application context, no HTTP adapter) serves nothing.
    if (!this.adapter.httpAdapter) return;
    // With API_PROCESSES > 1 the first worker serves /metrics (for its own requests); the others would fight for the port.
    const worker = apiWorker();
    if (worker !== null && worker > 1) return;
    metrics.watchPool(() => (this.db.isInitialized ? ((this.db.driver as { master?: PoolStats }).master ?? undefined) : undefined));
    const host = this.config.get('METRICS_HOST', { infer: true });
    const port = this.config.get('METRICS_PORT', { infer: true });
    const token = this.config.get('METRICS_TOKEN', { infer: true });
    const server = http.createServer((req, res) => void this.answer(req, res, token));
    // Metrics are for the operator, billing is for the customers: a busy port is logged, not fatal.
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', (e) => {
        this.logger.error(`metrics not served: cannot listen on ${host}:${port} (${(e as NodeJS.ErrnoException).code ?? e.message})`);
        resolve(false);
      });
      server.listen(port, host, () => resolve(true));
    });
    if (!listening) return;
    this.server = server;
    this.logger.log(`metrics on http://${host}:${this.port()}/metrics${token ? ' (bearer METRICS_TOKEN)' : ''}`);
  }

  /** The bound port (METRICS_PORT=0 picks a free one); null when not listening. */
  port(): number | null {
    return (this.server?.address() as AddressInfo | null)?.port ?? null;
  }

  async onApplicationShutdown(): Promise<void> {
    metrics.watchPool(null);
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse, token: string | undefined): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    if (token && !bearerMatches(req.headers.authorization, token)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('METRICS_TOKEN required\n');
      return;
    }
    try {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      this.logger.error(e instanceof Error ? e.stack : String(e));
      res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n');
    }
  }
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
