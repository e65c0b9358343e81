import { Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../common/config/app-config';
import { KEY_ENCRYPTION_KEY, type KeyEncryptionKey } from './key-encryption-key';
import { LocalMasterKey } from './local-master-key';
import { loadMasterKey } from './master-key';
import { SecretBox } from './secret-box';

/**
 * Envelope encryption for secrets at rest. The KEK provider is the port: replace the factory
 * with a KMS-backed KeyEncryptionKey and nothing else changes.
 */
@Module({
  providers: [
    {
      provide: KEY_ENCRYPTION_KEY,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>): KeyEncryptionKey => {
        const logger = new Logger('Secrets');
        const key = loadMasterKey(
          {
            NODE_ENV: config.get('NODE_ENV', { infer: true }),
            DATA_DIR: config.get('DATA_DIR', { infer: true }),
            SECRETS_MASTER_KEY: config.get('SECRETS_MASTER_KEY', { infer: true }),
            SECRETS_MASTER_KEY_FILE: config.get('SECRETS_MASTER_KEY_FILE', { infer: true }),
          },
          (m) => logger.warn(m), // a warning: a generated key must be backed up with the data
        );
        return new LocalMasterKey(key);
      },
    },
    SecretBox,
  ],
  exports: [SecretBox],
})
export class SecretsModule {}
