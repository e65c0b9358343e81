import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint, WebhookEvent } from './entities/webhook.entities';
import { SecretsModule } from '../secrets/secrets.module';
import { WebhookDestinationPolicy } from './destination-policy';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [TypeOrmModule.forFeature([WebhookEndpoint, WebhookEvent, WebhookDelivery, WebhookDeliveryAttempt]), SecretsModule],
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookDispatcher, WebhookDestinationPolicy],
  exports: [WebhooksService, WebhookDispatcher],
})
export class WebhooksModule {}
