import { ConfigService } from '@nestjs/config';
import { apiProcessHeader } from './api-processes';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from './common/config/app-config';
import { buildOpenApiDocument } from './common/openapi/document';
import { jsonBodyParser } from './common/http/json-body';
import { securityHeaders } from './common/http/security-headers';
import { httpMetricsMiddleware } from './observability/http-metrics';
import { QuietStartupLogger } from './observability/logging';
import { strictValidationPipe } from './common/validation/validation.pipe';

/**
 * Everything the HTTP app needs beyond its modules; shared by `main.ts` and the e2e harness.
 * The app must be created with `bodyParser: false`: JSON is the only body this API reads.
 */
export function configureApp(app: NestExpressApplication, opts: { bodyLimit?: string } = {}): void {
  const config = app.get(ConfigService<AppConfig, true>);
  app.useLogger(new QuietStartupLogger(app.get(Logger)));
  app.use(httpMetricsMiddleware);
  if (process.env.OL_WORKER_HEADER === 'true') app.use(apiProcessHeader);
  app.set('trust proxy', trustProxySetting(config.get('TRUST_PROXY', { infer: true })));
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.use(...securityHeaders());
  app.use(jsonBodyParser({ limit: opts.bodyLimit ?? config.get('BODY_LIMIT', { infer: true }) }));
  app.useGlobalPipes(strictValidationPipe());
  const doc = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
}

/** `TRUST_PROXY`: false (default), true, a hop count, or addresses/subnets as Express reads them. */
export function trustProxySetting(value: string): boolean | number | string {
  if (value === 'false' || value === '') return false;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}
