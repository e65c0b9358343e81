import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ContractsController } from './contracts.controller';
import { ContractsService } from './contracts.service';
import { Contract } from './entities/contract.entity';
import { TermsVersion } from './entities/terms-version.entity';
import { OutcomeContractReads } from './outcome.reads';
import { ContractReportReads } from './report.reads';

@Module({
  imports: [TypeOrmModule.forFeature([Contract, TermsVersion])],
  controllers: [ContractsController],
  providers: [ContractsService, OutcomeContractReads, ContractReportReads],
  exports: [ContractsService, OutcomeContractReads, ContractReportReads],
})
export class ContractsModule {}
