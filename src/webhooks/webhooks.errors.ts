import { defineErrors } from '../common/errors/domain-exception';

export enum WebhookErrorCode {
  WEBHOOK_EVENT_TYPE_UNKNOWN = 'WEBHOOK_EVENT_TYPE_UNKNOWN',
  /** A destination the service must not reach: private, loopback, link-local, metadata, not https in production. */
  WEBHOOK_URL_REFUSED = 'WEBHOOK_URL_REFUSED',
}

export const WebhookError = defineErrors<WebhookErrorCode>({
  WEBHOOK_EVENT_TYPE_UNKNOWN: { status: 422, title: 'Unknown webhook event type' },
  WEBHOOK_URL_REFUSED: { status: 422, title: 'Webhook destination refused' },
});
