import { Body, Controller, Get, Param, ParseUUIDPipe, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, Roles } from '../auth/principal';
import { CurrentPeriodQuery, CurrentPeriodView, PutSpendControlsDto, SpendControlsView } from './dto/spend.dto';
import { SpendService } from './spend.service';

@ApiTags('spend')
@ApiBearerAuth()
@Controller('v1/contracts')
export class SpendController {
  constructor(private readonly spend: SpendService) {}

  @Get(':id/spend-controls')
  @ApiOperation({ summary: 'The contract’s spend controls in force and every earlier version (who set them, when)' })
  @ApiOkResponse({ type: SpendControlsView })
  get(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<SpendControlsView> {
    return this.spend.get(p, id);
  }

  @Put(':id/spend-controls')
  @Roles('vendor_admin', 'customer')
  @ApiOperation({ summary: 'Sets the budget per period, alert thresholds and hard limit: a new version, by the vendor or the contract’s customer' })
  @ApiOkResponse({ type: SpendControlsView })
  put(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: PutSpendControlsDto): Promise<SpendControlsView> {
    return this.spend.put(p, id, dto);
  }

  @Get(':id/current-period')
  @ApiOperation({ summary: 'The open period’s draft so far (priced as a billing run would, writing nothing), a run-rate forecast to period end, budget and thresholds crossed' })
  @ApiOkResponse({ type: CurrentPeriodView })
  currentPeriod(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: CurrentPeriodQuery): Promise<CurrentPeriodView> {
    return this.spend.currentPeriod(p, id, q.at);
  }
}
