import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
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
  async record(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) contractId: string,
    @Body() dto: RecordOutcomeDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OutcomeView> {
    return answer(res, await this.outcomes.recordOne(p, contractId, dto));
  }

  @Get(':id/outcome-stats')
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
  batch(@CurrentPrincipal() p: Principal, @Body() body: RecordBatchBody): Promise<BatchResultView> {
    return this.outcomes.recordBatch(p, body);
  }

  @Post('verify')
  @HttpCode(200)
  @Roles('customer', 'verifier', 'vendor_admin')
  bulkVerify(@CurrentPrincipal() p: Principal, @Body() dto: BulkVerifyDto): Promise<BulkVerifyView> {
    return this.outcomes.bulkVerify(p, dto.ids, dto.reason ?? null);
  }

  @Post('reject')
  @HttpCode(200)
  @Roles('customer', 'verifier', 'vendor_admin')
  bulkReject(@CurrentPrincipal() p: Principal, @Body() dto: BulkRejectDto): Promise<BulkRejectView> {
    return this.outcomes.bulkReject(p, dto.ids, dto.reason);
  }

  @Get()
  list(@CurrentPrincipal() p: Principal, @Query() q: OutcomeListQuery): Promise<Page<OutcomeView>> {
    return this.outcomes.list(p, q);
  }

  @Get(':id')
  get(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<OutcomeDetailView> {
    return this.outcomes.get(p, id);
  }

  @Post(':id/verify')
  @HttpCode(200)
  @Roles('customer', 'verifier', 'vendor_admin')
  verify(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: OptionalReasonDto): Promise<OutcomeDetailView> {
    return this.outcomes.verify(p, id, dto.reason ?? null);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Roles('customer', 'verifier', 'vendor_admin')
  reject(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ReasonDto): Promise<OutcomeDetailView> {
    return this.outcomes.reject(p, id, dto.reason);
  }

  @Post(':id/dispute')
  @HttpCode(200)
  @Roles('customer', 'vendor_admin')
  dispute(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ReasonDto): Promise<OutcomeDetailView> {
    return this.outcomes.dispute(p, id, dto.reason);
  }

  @Post(':id/uphold')
  @HttpCode(200)
  uphold(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: OptionalReasonDto): Promise<OutcomeDetailView> {
    return this.outcomes.resolve(p, id, 'verified', dto.reason ?? null);
  }

  @Post(':id/reverse')
  @HttpCode(200)
  reverse(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: OptionalReasonDto): Promise<OutcomeDetailView> {
    return this.outcomes.resolve(p, id, 'reversed', dto.reason ?? null);
  }

  @Post(':id/corrections')
  async correct(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CorrectOutcomeDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OutcomeDetailView> {
    return answer(res, await this.outcomes.correct(p, id, dto));
  }
}
