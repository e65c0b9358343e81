import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from './audit/audit.module';
import { ApiKeyGuard } from './auth/api-key.guard';
import { AuthModule } from './auth/auth.module';
import { AppConfig, envFilePaths, validateConfig } from './common/config/app-config';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { ApiKeyThrottlerGuard } from './common/http/rate-limit.guard';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { ContractsModule } from './contracts/contracts.module';
import { KeyGrantsModule } from './contracts/key-grant.reads';
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
import { SpendModule } from './spend/spend.module';
import { httpLoggerOptions } from './observability/logging';
import { ObservabilityModule } from './observability/observability.module';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, envFilePath: envFilePaths(), validate: validateConfig, cache: true }),
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => ({
        pinoHttp: httpLoggerOptions({
          LOG_LEVEL: config.get('LOG_LEVEL', { infer: true }),
          LOG_FORMAT: config.get('LOG_FORMAT', { infer: true }),
          LOG_REQUEST_LEVEL: config.get('LOG_REQUEST_LEVEL', { infer: true }),
        }),
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
    ObservabilityModule,
    HealthModule,
    AuthModule,
    PartiesModule,
    ContractsModule,
    KeyGrantsModule,
    OutcomesModule,
    InvoicingModule,
    SpendModule,
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
