import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { AuditModule } from './audit/audit.module';
import { ApiKeyGuard } from './auth/api-key.guard';
import { AuthModule } from './auth/auth.module';
import { AppConfig, envFilePaths, validateConfig } from './common/config/app-config';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { ApiKeyThrottlerGuard } from './common/http/rate-limit.guard';
import { IdempotencyInterceptor } from './common/idempotency/idempotency.interceptor';
import { ContractsModule } from './contracts/contracts.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { InvoicingModule } from './invoicing/invoicing.module';
import { LedgerModule } from './ledger/ledger.module';
import { OutcomesModule } from './outcomes/outcomes.module';
import { PartiesModule } from './parties/parties.module';
import { ReportsModule } from './reports/reports.module';
import { DemoModule } from './demo/demo.module';
import { PortalModule } from './portal/portal.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, envFilePath: envFilePaths(), validate: validateConfig, cache: true }),
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => ({
        pinoHttp: {
          level: config.get('LOG_LEVEL', { infer: true }),
          // Honour the caller's request id, or make one; echoed in X-Request-Id and in problem+json.
          genReqId: (req, res) => {
            const given = req.headers['x-request-id'];
            const id = typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
            res.setHeader('X-Request-Id', id);
            return id;
          },
          redact: ['req.headers.authorization', 'req.headers.cookie'],
          customProps: (req: any) => ({ vendorId: req.principal?.vendorId, keyId: req.principal?.keyId }),
        },
      }),
    }),
    ThrottlerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => {
        const limit = config.get('RATE_LIMIT_PER_MINUTE', { infer: true });
        return { throttlers: [{ ttl: 60_000, limit: limit || 1 }], skipIf: () => limit === 0 };
      },
    }),
    DatabaseModule,
    HealthModule,
    AuthModule,
    PartiesModule,
    ContractsModule,
    OutcomesModule,
    InvoicingModule,
    LedgerModule,
    ReportsModule,
    AuditModule,
    WebhooksModule,
    DemoModule,
    PortalModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard },
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ],
})
export class AppModule {}
