import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, IsUrl, Length, Max, Min, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/http/pagination';
import { DeliveryStatus, WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../entities/webhook.entities';

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://billing.example.com/hooks/outcome-ledger' })
  @IsString() @MaxLength(2000)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'url must be an http or https URL' })
  url: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true, example: ['invoice.finalized', 'invoice.paid'] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length) @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true, message: `each of eventTypes must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}` })
  eventTypes: WebhookEventType[];

  @ApiPropertyOptional({ example: 'ERP sync' }) @IsOptional() @IsString() @Length(1, 200)
  description?: string;
}

/** The longest overlap a rotation may ask for: a week. */
export const MAX_SECRET_OVERLAP_SECONDS = 7 * 24 * 3600;

export class RotateWebhookSecretDto {
  @ApiPropertyOptional({ default: 86400, maximum: MAX_SECRET_OVERLAP_SECONDS, description: 'How long the replaced secret keeps signing deliveries beside the new one; 0 ends it now' })
  @IsOptional() @IsInt() @Min(0) @Max(MAX_SECRET_OVERLAP_SECONDS)
  overlapSeconds?: number;
}

export class WebhookEventListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_TYPES })
  @IsOptional() @IsIn(WEBHOOK_EVENT_TYPES)
  type?: WebhookEventType;
}

export class WebhookEndpointView {
  @ApiProperty() id: string;
  @ApiProperty() url: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true }) eventTypes: WebhookEventType[];
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty() active: boolean;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) disabledAt: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'After a secret rotation: deliveries also carry a signature by the replaced secret until then' })
  previousSecretExpiresAt: string | null;
}

export class CreatedWebhookEndpointView extends WebhookEndpointView {
  @ApiProperty({ description: 'Standard Webhooks signing secret (whsec_<base64>). Shown once: store it now.' }) secret: string;
}

export class WebhookEndpointPage {
  @ApiProperty({ type: [WebhookEndpointView] }) data: WebhookEndpointView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class DeliveryAttemptView {
  @ApiProperty() attempt: number;
  @ApiProperty() startedAt: string;
  @ApiProperty() durationMs: number;
  @ApiProperty({ nullable: true, type: Number }) responseStatus: number | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty() succeeded: boolean;
}

export class WebhookDeliveryView {
  @ApiProperty() id: string;
  @ApiProperty() endpointId: string;
  @ApiProperty() url: string;
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'] }) status: DeliveryStatus;
  @ApiProperty({ description: 'attempts made so far' }) attempts: number;
  @ApiProperty({ nullable: true, type: String }) nextAttemptAt: string | null;
  @ApiProperty({ nullable: true, type: String }) deliveredAt: string | null;
  @ApiProperty({ type: [DeliveryAttemptView] }) attemptLog: DeliveryAttemptView[];
}

export class WebhookEventView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES }) type: WebhookEventType;
  @ApiProperty() createdAt: string;
  @ApiProperty({ description: 'the event’s data, as delivered' }) data: Record<string, unknown>;
  @ApiProperty({ type: [WebhookDeliveryView] }) deliveries: WebhookDeliveryView[];
}

export class WebhookEventPage {
  @ApiProperty({ type: [WebhookEventView] }) data: WebhookEventView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
