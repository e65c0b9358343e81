import { defineErrors } from '../common/errors/domain-exception';

export enum WebhookErrorCode {
  WEBHOOK_EVENT_TYPE_UNKNOWN = 'WEBHOOK_EVENT_TYPE_UNKNOWN',
}

export const WebhookError = defineErrors<WebhookErrorCode>({
  WEBHOOK_EVENT_TYPE_UNKNOWN: { status: 422, title: 'Unknown webhook event type' },
});
