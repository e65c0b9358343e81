import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { migrations } from '../../migrations';
import type { AppConfig } from '../common/config/app-config';

/**
 * PostgreSQL through TypeORM. DATABASE_URL is always set by the time Nest starts: either given,
 * or pointing at the embedded server that `main.ts` started. Schema changes are migrations only,
 * run by the entry points as the owner (MIGRATIONS_DATABASE_URL) before Nest connects as the
 * service's role; only when both are one role does this connection check them too (tests, benches).
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => {
        const url = config.get('DATABASE_URL', { infer: true });
        return {
          type: 'postgres' as const,
          url,
          autoLoadEntities: true,
          synchronize: false,
          migrations,
          migrationsRun: (config.get('MIGRATIONS_DATABASE_URL', { infer: true }) ?? url) === url,
          migrationsTransactionMode: 'each' as const,
          extra: { max: 20 },
          logging: false,
          // The entry points already proved the database reachable: fail in seconds, not 25 s.
          retryAttempts: 2,
          retryDelay: 1000,
        };
      },
    }),
  ],
})
export class DatabaseModule {}
