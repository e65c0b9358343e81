import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles, type Principal } from '../auth/principal';
import { BalanceQuery, BalancesView, ChainReportView, EntryListQuery, JournalEntryPage, JournalEntryView } from './dto/ledger.dto';
import { LedgerService } from './ledger.service';

/** The vendor's books: read by its admins and auditors, never by customer keys. */
@ApiTags('ledger')
@ApiBearerAuth()
@Roles('vendor_admin', 'auditor')
@Controller('v1/ledger')
export class LedgerController {
  constructor(private readonly ledger: LedgerService) {}

  @Get('entries')
  list(@CurrentPrincipal() p: Principal, @Query() q: EntryListQuery): Promise<JournalEntryPage> {
    return this.ledger.list(p, q);
  }

  @Get('entries/:id')
  get(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<JournalEntryView> {
    return this.ledger.get(p, id);
  }

  @Get('balances')
  balances(@CurrentPrincipal() p: Principal, @Query() q: BalanceQuery): Promise<BalancesView> {
    return this.ledger.balances(p, q);
  }

  @Get('verify')
  verify(@CurrentPrincipal() p: Principal): Promise<ChainReportView> {
    return this.ledger.verify(p.vendorId);
  }
}
