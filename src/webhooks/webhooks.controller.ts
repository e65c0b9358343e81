import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles, type Principal } from '../auth/principal';
import { PageQuery } from '../common/http/pagination';
import {
  CreatedWebhookEndpointView,
  CreateWebhookEndpointDto,
  RotateWebhookSecretDto,
  WebhookEndpointPage,
  WebhookEndpointView,
  WebhookEventListQuery,
  WebhookEventPage,
  WebhookEventView,
} from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';
import { ReturnsSecret } from '../common/http/returns-secret.decorator';

/** The vendor's integration settings: vendor admins only. */
@ApiTags('webhooks')
@ApiBearerAuth()
@Roles('vendor_admin')
@Controller('v1')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post('webhook-endpoints')
  @ReturnsSecret()
  @ApiOperation({ summary: 'Registers a webhook endpoint (its signing secret is shown once)' })
  @ApiCreatedResponse({ type: CreatedWebhookEndpointView })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateWebhookEndpointDto): Promise<CreatedWebhookEndpointView> {
    return this.webhooks.createEndpoint(p.vendorId, dto);
  }

  @Get('webhook-endpoints')
  @ApiOperation({ summary: 'Lists webhook endpoints, newest first' })
  @ApiOkResponse({ type: WebhookEndpointPage })
  list(@CurrentPrincipal() p: Principal, @Query() q: PageQuery): Promise<WebhookEndpointPage> {
    return this.webhooks.listEndpoints(p, q);
  }

  @Post('webhook-endpoints/:id/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disables a webhook endpoint: no further deliveries' })
  @ApiOkResponse({ type: WebhookEndpointView })
  disable(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<WebhookEndpointView> {
    return this.webhooks.disableEndpoint(p, id);
  }

  @Post('webhook-endpoints/:id/rotate-secret')
  @ReturnsSecret()
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotates an endpoint’s signing secret (the old one stays valid for a grace period)' })
  @ApiOkResponse({ type: CreatedWebhookEndpointView })
  rotateSecret(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: RotateWebhookSecretDto,
  ): Promise<CreatedWebhookEndpointView> {
    return this.webhooks.rotateSecret(p, id, dto);
  }

  @Get('webhook-events')
  @ApiOperation({ summary: 'Lists webhook events, newest first' })
  @ApiOkResponse({ type: WebhookEventPage })
  events(@CurrentPrincipal() p: Principal, @Query() q: WebhookEventListQuery): Promise<WebhookEventPage> {
    return this.webhooks.listEvents(p, q);
  }

  @Get('webhook-events/:id')
  @ApiOperation({ summary: 'A webhook event with its delivery attempts' })
  @ApiOkResponse({ type: WebhookEventView })
  event(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<WebhookEventView> {
    return this.webhooks.getEvent(p, id);
  }
}
