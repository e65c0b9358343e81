import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, Roles } from '../auth/principal';
import { CreateVerifierDto, VerifierView } from './dto/verifier.dto';
import { VerifiersService } from './verifiers.service';

@ApiTags('verifiers')
@ApiBearerAuth()
@Controller('v1/verifiers')
export class VerifiersController {
  constructor(private readonly verifiers: VerifiersService) {}

  @Post()
  @ApiOperation({ summary: 'Register an independent verifier that terms can name (verification third_party, verifier: its key)' })
  @ApiCreatedResponse({ type: VerifierView })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateVerifierDto): Promise<VerifierView> {
    return this.verifiers.create(p.vendorId, dto);
  }

  @Get()
  @Roles('vendor_admin')
  @ApiOperation({ summary: 'The vendor’s independent verifiers' })
  @ApiOkResponse({ type: [VerifierView] })
  list(@CurrentPrincipal() p: Principal): Promise<VerifierView[]> {
    return this.verifiers.list(p.vendorId);
  }

  @Get(':id')
  @Roles('vendor_admin')
  @ApiOperation({ summary: 'One independent verifier' })
  @ApiOkResponse({ type: VerifierView })
  get(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<VerifierView> {
    return this.verifiers.get(p.vendorId, id);
  }
}
