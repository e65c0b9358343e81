import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { httpMetricsMiddleware } from './observability/http-metrics';
import { QuietStartupLogger } from './observability/logging';
import { strictValidationPipe } from './common/validation/validation.pipe';

/** Everything the HTTP app needs beyond its modules; shared by `main.ts` and the e2e harness. */
export function configureApp(app: NestExpressApplication, opts: { bodyLimit?: string } = {}): void {
  app.useLogger(new QuietStartupLogger(app.get(Logger)));
  app.use(httpMetricsMiddleware);
  app.useBodyParser('json', { limit: opts.bodyLimit ?? '1mb' });
  app.useGlobalPipes(strictValidationPipe());
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Outcome Ledger')
      .setDescription(
        'Outcome-based billing and ROI ledger for AI vendors. Money is a decimal string; errors are RFC 9457 ' +
          'application/problem+json; POSTs accept an Idempotency-Key header; lists use cursor pagination.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key: ol_vnd_… / ol_cus_… / ol_aud_…' })
      .build(),
  );
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
}
