import { ContractedCustomersModule } from './contracted-customers';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PartiesModule } from '../parties/parties.module';
import { ContractsController } from './contracts.controller';
import { ContractsRepository } from './contracts.repository';
import { ContractsService } from './contracts.service';
import { Contract } from './entities/contract.entity';
import { TermsVersion } from './entities/terms-version.entity';
import { OutcomeContractReads } from './outcome.reads';
import { ContractReportReads } from './report.reads';
import { ValueBasisRepository } from './value-basis.repository';
import { ValueBasisService } from './value-basis.service';

/** Contracts, their terms versions and value basis versions. Knows nothing of invoicing: it asks the TERMS_USAGE port. */
@Module({
  imports: [TypeOrmModule.forFeature([Contract, TermsVersion]), PartiesModule, ContractedCustomersModule],
  controllers: [ContractsController],
  providers: [ContractsService, OutcomeContractReads, ContractReportReads, ContractsRepository, ValueBasisRepository, ValueBasisService],
  exports: [ContractsService, OutcomeContractReads, ContractReportReads, ValueBasisService],
})
export class ContractsModule {}
