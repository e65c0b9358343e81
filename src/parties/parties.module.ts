import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { PartyNamesReads } from './documents.reads';
import { DemoPartyReads } from './demo.reads';
import { CustomersController } from './customers.controller';
import { CustomersService } from './customers.service';
import { Customer } from './entities/customer.entity';
import { Vendor } from './entities/vendor.entity';
import { VendorCommand, VendorCreateCommand, VendorListCommand } from './vendors.commands';
import { VendorsService } from './vendors.service';

@Module({
  imports: [TypeOrmModule.forFeature([Customer, Vendor]), AuthModule],
  controllers: [CustomersController],
  providers: [CustomersService, VendorsService, VendorCommand, VendorCreateCommand, VendorListCommand, PartyNamesReads, DemoPartyReads],
  exports: [CustomersService, VendorsService, PartyNamesReads, DemoPartyReads],
})
export class PartiesModule {}
