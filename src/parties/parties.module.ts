import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { CustomersController } from './customers.controller';
import { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';
import { Customer } from './entities/customer.entity';
import { Vendor } from './entities/vendor.entity';
import { VendorCommand, VendorCreateCommand, VendorListCommand } from './vendors.commands';
import { VendorsRepository } from './vendors.repository';
import { VendorsService } from './vendors.service';

@Module({
  imports: [TypeOrmModule.forFeature([Customer, Vendor]), AuthModule],
  controllers: [CustomersController],
  providers: [CustomersRepository, VendorsRepository, CustomersService, VendorsService, VendorCommand, VendorCreateCommand, VendorListCommand],
  exports: [CustomersRepository, VendorsRepository, CustomersService, VendorsService],
})
export class PartiesModule {}
