import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyView, CreateApiKeyDto, IssuedApiKeyView } from './dto/api-key.dto';
import { CurrentPrincipal, type Principal, Roles } from './principal';
import { ReturnsSecret } from '../common/http/returns-secret.decorator';

@ApiTags('api-keys')
@ApiBearerAuth()
@Roles('vendor_admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ReturnsSecret()
  @ApiOperation({ summary: 'Issues an API key for a role (the secret is shown once, in `secret`)' })
  @ApiCreatedResponse({ type: IssuedApiKeyView })
  issue(@CurrentPrincipal() p: Principal, @Body() dto: CreateApiKeyDto): Promise<IssuedApiKeyView> {
    return this.keys.issue(p.vendorId, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Lists the vendor’s API keys (never their secrets)' })
  @ApiOkResponse({ type: [ApiKeyView] })
  list(@CurrentPrincipal() p: Principal): Promise<ApiKeyView[]> {
    return this.keys.list(p.vendorId);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revokes an API key: it authenticates no further request' })
  @ApiOkResponse({ type: ApiKeyView })
  revoke(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<ApiKeyView> {
    return this.keys.revoke(p.vendorId, id);
  }
}
