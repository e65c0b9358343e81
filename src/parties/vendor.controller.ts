import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { UpdateVendorDto, VendorView } from './dto/vendor.dto';
import { VendorsService } from './vendors.service';

/** The caller's own vendor: its legal entity, the seller on its documents. */
@ApiTags('vendor')
@ApiBearerAuth()
@Controller('v1/vendor')
export class VendorController {
  constructor(private readonly vendors: VendorsService) {}

  @Get()
  @ApiOperation({ summary: "The caller's vendor and its legal entity" })
  @ApiOkResponse({ type: VendorView })
  get(@CurrentPrincipal() p: Principal): Promise<VendorView> {
    return this.vendors.get(p);
  }

  @Patch()
  @ApiOperation({ summary: "Sets the vendor's legal entity (legal name, address, tax id, bank account, contact)" })
  @ApiOkResponse({ type: VendorView })
  update(@CurrentPrincipal() p: Principal, @Body() dto: UpdateVendorDto): Promise<VendorView> {
    return this.vendors.updateLegalEntity(p, dto);
  }
}
