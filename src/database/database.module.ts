import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { migrations } from '../../migrations';
import type { AppConfig } from '../common/config/app-config';

/**
 * PostgreSQL through TypeORM. DATABASE_URL is always set by the time Nest starts: either given,
 * or pointing at the embedded server that `main.ts` started. Schema changes are migrations only.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) => ({
        type: 'postgres' as const,
        url: config.get('DATABASE_URL', { infer: true }),
        autoLoadEntities: true,
        synchronize: false,
        migrations,
        migrationsRun: true,
        migrationsTransactionMode: 'each' as const,
        extra: { max: 20 },
        logging: false,
      }),
    }),
  ],
})
export class DatabaseModule {}
