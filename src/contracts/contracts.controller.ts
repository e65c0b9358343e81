import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { Page } from '../common/http/pagination';
import { ContractsService } from './contracts.service';
import { CreateValueBasisDto, ValueBasisVersionView } from './dto/value-basis.dto';
import { ValueBasisService } from './value-basis.service';
import {
  ContractListQuery,
  ContractView,
  CreateContractDto,
  CreateTermsVersionDto,
  TerminateContractDto,
  TermsVersionView,
  UpdateContractBillingDto,
} from './dto/contract.dto';
import { ApiPageResponse } from '../common/openapi/page';
import { ApiProblemResponses } from '../common/openapi/problems';

@ApiTags('contracts')
@ApiBearerAuth()
@Controller('v1/contracts')
export class ContractsController {
  constructor(
    private readonly contracts: ContractsService,
    private readonly valueBasis: ValueBasisService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Creates a contract (draft) with its first terms version' })
  @ApiCreatedResponse({ type: ContractView })
  @ApiProblemResponses(409)
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateContractDto): Promise<ContractView> {
    return this.contracts.create(p.vendorId, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Lists contracts the key may see, newest first' })
  @ApiPageResponse(ContractView)
  list(@CurrentPrincipal() p: Principal, @Query() q: ContractListQuery): Promise<Page<ContractView>> {
    return this.contracts.list(p, q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A contract with its current terms' })
  @ApiOkResponse({ type: ContractView })
  get(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<ContractView> {
    return this.contracts.get(p, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: "Sets the contract's PO/reference and payment terms (net N days) for its next invoices" })
  @ApiOkResponse({ type: ContractView })
  updateBilling(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateContractBillingDto): Promise<ContractView> {
    return this.contracts.updateBilling(p, id, dto);
  }

  @Get(':id/terms')
  @ApiOperation({ summary: 'Lists the contract’s terms versions, oldest first' })
  @ApiOkResponse({ type: [TermsVersionView] })
  listTerms(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<TermsVersionView[]> {
    return this.contracts.listTerms(p, id);
  }

  @Post(':id/terms')
  @ApiOperation({ summary: 'Amends the pricing: a new immutable terms version effective from a date' })
  @ApiCreatedResponse({ type: TermsVersionView })
  addTerms(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CreateTermsVersionDto,
  ): Promise<TermsVersionView> {
    return this.contracts.addTerms(p, id, dto);
  }

  @Get(':id/value-basis')
  @ApiOperation({ summary: 'Lists the contract’s value basis versions: how its outcomes convert to money for ROI' })
  @ApiOkResponse({ type: [ValueBasisVersionView] })
  listValueBasis(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<ValueBasisVersionView[]> {
    return this.valueBasis.list(p, id);
  }

  @Post(':id/value-basis')
  @ApiOperation({ summary: 'Declares a new value basis version (append-only): measured value or agreed estimates per outcome type or KPI point' })
  @ApiCreatedResponse({ type: ValueBasisVersionView })
  addValueBasis(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: CreateValueBasisDto): Promise<ValueBasisVersionView> {
    return this.valueBasis.add(p, id, dto);
  }

  @Post(':id/activate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Activates a draft contract: it becomes billable' })
  @ApiOkResponse({ type: ContractView })
  activate(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<ContractView> {
    return this.contracts.transition(p, id, 'active');
  }

  @Post(':id/terminate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Terminates a contract as of a date' })
  @ApiOkResponse({ type: ContractView })
  terminate(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: TerminateContractDto,
  ): Promise<ContractView> {
    return this.contracts.transition(p, id, 'terminated', dto);
  }
}
