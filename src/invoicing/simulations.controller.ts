import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { CreateQuoteDto, QuoteView } from './dto/quote.dto';
import { CreateSimulationDto, SimulationView } from './dto/simulation.dto';
import { SimulationsService } from './simulations.service';

@ApiTags('simulations')
@ApiBearerAuth()
@Controller('v1/contracts')
export class SimulationsController {
  constructor(private readonly simulations: SimulationsService) {}

  /** 200, not 201: nothing is created (the simulation is computed, never stored). */
  @Post(':id/simulations')
  @HttpCode(200)
  @ApiOperation({ summary: 'What-if: price the contract’s recorded outcomes under proposed terms, per period, beside what was invoiced (writes nothing)' })
  @ApiOkResponse({ type: SimulationView })
  simulate(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: CreateSimulationDto): Promise<SimulationView> {
    return this.simulations.simulate(p, id, dto);
  }
}

@ApiTags('simulations')
@ApiBearerAuth()
@Controller('v1/simulations')
export class QuotesController {
  constructor(private readonly simulations: SimulationsService) {}

  /** 200, not 201: a quote is computed, never stored. */
  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Quote: price a sample of expected outcomes under proposed terms for a prospective customer, per period, with ROI (writes nothing)' })
  @ApiOkResponse({ type: QuoteView })
  quote(@CurrentPrincipal() p: Principal, @Body() dto: CreateQuoteDto): Promise<QuoteView> {
    return this.simulations.quote(p, dto);
  }
}
