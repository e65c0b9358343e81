import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles, type Principal } from '../auth/principal';
import { BillingRunsService } from './billing-runs.service';
import { BillingRunView, CreateBillingRunDto } from './dto/invoice.dto';

@ApiTags('invoices')
@ApiBearerAuth()
@Controller('v1/billing-runs')
export class BillingRunsController {
  constructor(private readonly runs: BillingRunsService) {}

  @Post()
  @ApiOperation({ summary: 'Run billing for a period: refresh each billable contract\'s draft invoice and report each contract considered' })
  @ApiCreatedResponse({ type: BillingRunView })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateBillingRunDto): Promise<BillingRunView> {
    return this.runs.run(p.vendorId, dto, p.keyId);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A billing run with what it did for each contract' })
  @ApiOkResponse({ type: BillingRunView })
  @Roles('vendor_admin', 'auditor')
  get(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<BillingRunView> {
    return this.runs.get(p, id);
  }
}
