import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysController } from './api-keys.controller';
import { KeysCommand, KeysCreateCommand, KeysListCommand, KeysRevokeCommand } from './api-keys.commands';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { ApiKey } from './entities/api-key.entity';
import { ApiKeyNamesReads } from './export-log.reads';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKey])],
  controllers: [ApiKeysController],
  providers: [ApiKeysRepository, ApiKeysService, ApiKeyGuard, KeysCommand, KeysListCommand, KeysCreateCommand, KeysRevokeCommand, ApiKeyNamesReads],
  exports: [ApiKeysService, ApiKeyGuard, ApiKeyNamesReads],
})
export class AuthModule {}
