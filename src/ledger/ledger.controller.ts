import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles, type Principal } from '../auth/principal';
import { PageQuery } from '../common/http/pagination';
import {
  BalanceQuery,
  BalancesView,
  CheckpointChainReportView,
  ChainReportView,
  EntryListQuery,
  JournalEntryPage,
  JournalEntryView,
  LedgerCheckpointPage,
  LedgerCheckpointView,
  VerifyAgainstCheckpointBody,
} from './dto/ledger.dto';
import { LedgerService } from './ledger.service';
import { ApiProblemResponses } from '../common/openapi/problems';

/**
 * The vendor's books: read by its admins and auditors, never by customer keys. Checkpoints are
 * the exception: a customer keeps them to hold the vendor to its history, and may check the
 * chain against one (the answer says whether it holds, nothing about other customers' entries).
 */
@ApiTags('ledger')
@ApiBearerAuth()
@Roles('vendor_admin', 'auditor')
@Controller('v1/ledger')
export class LedgerController {
  constructor(private readonly ledger: LedgerService) {}

  @Get('entries')
  @ApiOperation({ summary: 'Lists journal entries, newest first' })
  @ApiOkResponse({ type: JournalEntryPage })
  list(@CurrentPrincipal() p: Principal, @Query() q: EntryListQuery): Promise<JournalEntryPage> {
    return this.ledger.list(p, q);
  }

  @Get('entries/:id')
  @ApiOperation({ summary: 'A journal entry with its lines and hashes' })
  @ApiOkResponse({ type: JournalEntryView })
  get(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<JournalEntryView> {
    return this.ledger.get(p, id);
  }

  @Get('balances')
  @ApiOperation({ summary: 'Account balances per currency, summed in SQL' })
  @ApiOkResponse({ type: BalancesView })
  balances(@CurrentPrincipal() p: Principal, @Query() q: BalanceQuery): Promise<BalancesView> {
    return this.ledger.balances(p, q);
  }

  @Get('verify')
  @ApiOperation({ summary: 'Walks the chain from genesis, held to every stored signed checkpoint' })
  @ApiOkResponse({ type: ChainReportView })
  verify(@CurrentPrincipal() p: Principal): Promise<ChainReportView> {
    return this.ledger.verify(p.vendorId);
  }

  @Post('verify')
  @HttpCode(200)
  @Roles('vendor_admin', 'auditor', 'customer')
  @ApiOperation({ summary: 'Proves the current chain extends a checkpoint kept earlier (and verifies it from genesis)' })
  @ApiOkResponse({ type: CheckpointChainReportView })
  verifyAgainst(@CurrentPrincipal() p: Principal, @Body() body: VerifyAgainstCheckpointBody): Promise<CheckpointChainReportView> {
    return this.ledger.verifyAgainst(p.vendorId, body.checkpoint);
  }

  @Get('checkpoints/latest')
  @Roles('vendor_admin', 'auditor', 'customer')
  @ApiOperation({ summary: 'A signed checkpoint of the chain head as it is now (signed once per sequence): keep it' })
  @ApiOkResponse({ type: LedgerCheckpointView })
  @ApiProblemResponses(409)
  latestCheckpoint(@CurrentPrincipal() p: Principal): Promise<LedgerCheckpointView> {
    return this.ledger.checkpoint(p.vendorId);
  }

  @Get('checkpoints')
  @Roles('vendor_admin', 'auditor', 'customer')
  @ApiOperation({ summary: 'Checkpoints signed so far, newest first' })
  @ApiOkResponse({ type: LedgerCheckpointPage })
  checkpoints(@CurrentPrincipal() p: Principal, @Query() q: PageQuery): Promise<LedgerCheckpointPage> {
    return this.ledger.listCheckpoints(p.vendorId, q);
  }
}
