import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, type Principal, Roles } from '../auth/principal';
import { Page } from '../common/http/pagination';
import {
  BatchResultView,
  BulkRejectDto,
  BulkRejectView,
  BulkVerifyDto,
  BulkVerifyView,
  CorrectOutcomeDto,
  OptionalReasonDto,
  OutcomeDetailView,
  OutcomeListQuery,
  OutcomeStatsQuery,
  OutcomeStatsView,
  OutcomeView,
  ReasonDto,
  RecordBatchDto,
  RecordOutcomeDto,
} from './dto/outcome.dto';
import { OutcomesService } from './outcomes.service';
import { ApiPageResponse } from '../common/openapi/page';
import { ApiProblemResponses } from '../common/openapi/problems';

/** Deliberately an interface: see `batch`. */
interface RecordBatchBody {
  outcomes: unknown[];
}

/** A replayed externalId answers 200 with the stored outcome (201 when it was created now). */
function answer<T>(res: Response, r: { duplicate: boolean; outcome: T }): T {
  if (r.duplicate) res.status(200).setHeader('Idempotent-Replayed', 'true');
  return r.outcome;
}

@ApiTags('outcomes')
@ApiBearerAuth()
@Controller('v1/contracts')
export class ContractOutcomesController {
  constructor(private readonly outcomes: OutcomesService) {}

  @Post(':id/outcomes')
  @ApiOperation({ summary: 'Records one outcome (idempotent by externalId: a replay answers 200 with the stored outcome)' })
  @ApiCreatedResponse({ type: OutcomeView, description: 'Recorded' })
  @ApiOkResponse({ type: OutcomeView, description: 'The outcome already recorded with this externalId (Idempotent-Replayed: true)' })
  async record(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) contractId: string,
    @Body() dto: RecordOutcomeDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OutcomeView> {
    return answer(res, await this.outcomes.recordOne(p, contractId, dto));
  }

  @Get(':id/outcome-stats')
  @ApiOperation({ summary: 'Counts and sums of the contract’s outcomes per type and status for a period' })
  @ApiOkResponse({ type: OutcomeStatsView })
  stats(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) contractId: string,
    @Query() q: OutcomeStatsQuery,
  ): Promise<OutcomeStatsView> {
    return this.outcomes.stats(p, contractId, q.period);
  }
}

@ApiTags('outcomes')
@ApiBearerAuth()
@Controller('v1/outcomes')
export class OutcomesController {
  constructor(private readonly outcomes: OutcomesService) {}

  /** The body is typed as a plain object so the global pipe leaves it alone: the service validates each item itself. */
  @Post('batch')
  @HttpCode(200)
  @ApiBody({ type: RecordBatchDto })
  @ApiOkResponse({ type: BatchResultView })
  @ApiOperation({ summary: 'Records up to 10,000 outcomes of many contracts at once, with a result per item' })
  batch(@CurrentPrincipal() p: Principal, @Body() body: RecordBatchBody): Promise<BatchResultView> {
    return this.outcomes.recordBatch(p, body);
  }

  @Post('verify')
  @HttpCode(200)
  @Roles('customer', 'verifier', 'vendor_admin')
  @ApiOperation({ summary: 'Verifies many outcomes at once, with a result per id' })
  @ApiOkResponse({ type: BulkVerifyView })
  bulkVerify(@CurrentPrincipal() p: Principal, @Body() dto: BulkVerifyDto): Promise<BulkVerifyView> {
    return this.outcomes.bulkVerify(p, dto.ids, dto.reason ?? null);
  }

  @Post('reject')
  @HttpCode(200)
  @Roles('customer', 'verifier', 'vendor_admin')
  @ApiOperation({ summary: 'Rejects many outcomes at once, with a reason' })
  @ApiOkResponse({ type: BulkRejectView })
  bulkReject(@CurrentPrincipal() p: Principal, @Body() dto: BulkRejectDto): Promise<BulkRejectView> {
    return this.outcomes.bulkReject(p, dto.ids, dto.reason);
  }

  @Get()
  @ApiOperation({ summary: 'Lists outcomes the key may see, newest first' })
  @ApiPageResponse(OutcomeView)
  list(@CurrentPrincipal() p: Principal, @Query() q: OutcomeListQuery): Promise<Page<OutcomeView>> {
    return this.outcomes.list(p, q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'An outcome with its events (who did what, when)' })
  @ApiOkResponse({ type: OutcomeDetailView })
  get(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<OutcomeDetailView> {
    return this.outcomes.get(p, id);
  }

  @Post(':id/verify')
  @HttpCode(200)
  @Roles('customer', 'verifier', 'vendor_admin')
  @ApiOperation({ summary: 'Verifies a recorded outcome (customer, named verifier or vendor for auto types)' })
  @ApiOkResponse({ type: OutcomeDetailView })
  @ApiProblemResponses(409)
  verify(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: OptionalReasonDto): Promise<OutcomeDetailView> {
    return this.outcomes.verify(p, id, dto.reason ?? null);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Roles('customer', 'verifier', 'vendor_admin')
  @ApiOperation({ summary: 'Rejects a recorded outcome with a reason' })
  @ApiOkResponse({ type: OutcomeDetailView })
  reject(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ReasonDto): Promise<OutcomeDetailView> {
    return this.outcomes.reject(p, id, dto.reason);
  }

  @Post(':id/dispute')
  @HttpCode(200)
  @Roles('customer', 'vendor_admin')
  @ApiOperation({ summary: 'Disputes a verified outcome within the dispute window' })
  @ApiOkResponse({ type: OutcomeDetailView })
  dispute(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ReasonDto): Promise<OutcomeDetailView> {
    return this.outcomes.dispute(p, id, dto.reason);
  }

  @Post(':id/uphold')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resolves a dispute for the vendor: the outcome stays verified' })
  @ApiOkResponse({ type: OutcomeDetailView })
  uphold(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: OptionalReasonDto): Promise<OutcomeDetailView> {
    return this.outcomes.resolve(p, id, 'verified', dto.reason ?? null);
  }

  @Post(':id/reverse')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resolves a dispute for the customer: the outcome is reversed (credited on the next invoice if billed)' })
  @ApiOkResponse({ type: OutcomeDetailView })
  reverse(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: OptionalReasonDto): Promise<OutcomeDetailView> {
    return this.outcomes.resolve(p, id, 'reversed', dto.reason ?? null);
  }

  @Post(':id/corrections')
  @ApiOperation({ summary: 'Records a correction: a new outcome that supersedes this one' })
  @ApiCreatedResponse({ type: OutcomeDetailView, description: 'The correction, recorded' })
  @ApiOkResponse({ type: OutcomeDetailView, description: 'The correction already recorded with this externalId (Idempotent-Replayed: true)' })
  async correct(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CorrectOutcomeDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OutcomeDetailView> {
    return answer(res, await this.outcomes.correct(p, id, dto));
  }
}
