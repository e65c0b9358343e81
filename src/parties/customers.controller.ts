import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { Page, PageQuery } from '../common/http/pagination';
import { CustomersService } from './customers.service';
import { CreateCustomerDto, CustomerView, UpdateCustomerDto } from './dto/customer.dto';
import { ApiPageResponse } from '../common/openapi/page';

@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Post()
  @ApiOperation({ summary: 'Creates a customer of the vendor, with its billing details' })
  @ApiCreatedResponse({ type: CustomerView })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateCustomerDto): Promise<CustomerView> {
    return this.customers.create(p.vendorId, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Lists customers, newest first' })
  @ApiPageResponse(CustomerView)
  list(@CurrentPrincipal() p: Principal, @Query() page: PageQuery): Promise<Page<CustomerView>> {
    return this.customers.list(p, page);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A customer' })
  @ApiOkResponse({ type: CustomerView })
  get(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<CustomerView> {
    return this.customers.get(p, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Changes a customer’s billing details and document locale' })
  @ApiOkResponse({ type: CustomerView })
  update(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateCustomerDto): Promise<CustomerView> {
    return this.customers.update(p, id, dto);
  }
}
