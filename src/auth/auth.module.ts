import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../common/config/app-config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysController } from './api-keys.controller';
import { KeysCommand, KeysCreateCommand, KeysListCommand, KeysRevokeCommand } from './api-keys.commands';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { ApiKey } from './entities/api-key.entity';
import { ApiKeyNamesReads } from './export-log.reads';
import { PrincipalCache } from './principal-cache';

const principalCache = {
  provide: PrincipalCache,
  inject: [ConfigService],
  useFactory: (config: ConfigService<AppConfig, true>) => new PrincipalCache(config.get('AUTH_CACHE_TTL_MS', { infer: true })),
};

@Module({
  imports: [TypeOrmModule.forFeature([ApiKey])],
  controllers: [ApiKeysController],
  providers: [ApiKeysRepository, ApiKeysService, ApiKeyGuard, KeysCommand, KeysListCommand, KeysCreateCommand, KeysRevokeCommand, ApiKeyNamesReads, principalCache],
  exports: [ApiKeysService, ApiKeyGuard, ApiKeyNamesReads, PrincipalCache],
})
export class AuthModule {}
