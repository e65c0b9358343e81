import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { PartyNamesReads } from './documents.reads';
import { DemoPartyReads } from './demo.reads';
import { CustomersController } from './customers.controller';
import { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';
import { Customer } from './entities/customer.entity';
import { Vendor } from './entities/vendor.entity';
import { VendorSigningKey } from './entities/vendor-signing-key.entity';
import { SecretsModule } from '../secrets/secrets.module';
import { SigningKeysService } from './signing-keys.service';
import { VendorCommand, VendorCreateCommand, VendorListCommand } from './vendors.commands';
import { VendorsRepository } from './vendors.repository';
import { VendorsService } from './vendors.service';
import { VendorController } from './vendor.controller';
import { VerifiersController } from './verifiers.controller';
import { VerifiersRepository } from './verifiers.repository';
import { VerifiersService } from './verifiers.service';

@Module({
  imports: [TypeOrmModule.forFeature([Customer, Vendor, VendorSigningKey]), AuthModule, SecretsModule],
  controllers: [CustomersController, VendorController, VerifiersController],
  providers: [CustomersRepository, VendorsRepository, CustomersService, VendorsService, SigningKeysService, VendorCommand, VendorCreateCommand, VendorListCommand, PartyNamesReads, DemoPartyReads, VerifiersRepository, VerifiersService],
  exports: [CustomersRepository, VendorsRepository, CustomersService, VendorsService, SigningKeysService, PartyNamesReads, DemoPartyReads, VerifiersRepository],
})
export class PartiesModule {}
