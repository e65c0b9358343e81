import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles, type Principal } from '../auth/principal';
import { BillingRunsService } from './billing-runs.service';
import { ApiPageResponse } from '../common/openapi/page';
import type { Page } from '../common/http/pagination';
import { BillingRunContractView, BillingRunListQuery, BillingRunResultsQuery, BillingRunSummaryView, BillingRunView, CreateBillingRunDto } from './dto/invoice.dto';

@ApiTags('invoices')
@ApiBearerAuth()
@Controller('v1/billing-runs')
export class BillingRunsController {
  constructor(private readonly runs: BillingRunsService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Queue billing for a period: a background run refreshes each billable contract\'s draft invoice (and finalizes it with finalizeWhenDrafted)',
    description: 'Answers 202 with the run, usually `queued`; follow it with GET /v1/billing-runs/{id} until `completed`, or subscribe to `billing_run.completed`.',
  })
  @ApiAcceptedResponse({ type: BillingRunView })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateBillingRunDto): Promise<BillingRunView> {
    return this.runs.start(p.vendorId, dto, p.keyId);
  }

  @Get()
  @ApiOperation({ summary: 'The vendor\'s billing runs, newest first (optionally of one period or in one status), each with its counts so far' })
  @ApiPageResponse(BillingRunSummaryView, 'A page of billing runs')
  @Roles('vendor_admin', 'auditor')
  list(@CurrentPrincipal() p: Principal, @Query() q: BillingRunListQuery): Promise<Page<BillingRunSummaryView>> {
    return this.runs.list(p, q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A billing run: its status, its counts so far and what it did for each contract (also while it runs)' })
  @ApiOkResponse({ type: BillingRunView })
  @Roles('vendor_admin', 'auditor')
  get(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<BillingRunView> {
    return this.runs.get(p, id);
  }

  @Get(':id/results')
  @ApiOperation({ summary: 'What a billing run did with each contract, a page at a time in contract order (optionally only one result)' })
  @ApiPageResponse(BillingRunContractView, 'A page of per-contract results')
  @Roles('vendor_admin', 'auditor')
  results(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: BillingRunResultsQuery): Promise<Page<BillingRunContractView>> {
    return this.runs.results(p, id, q);
  }
}
