import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ContractsController } from './contracts.controller';
import { ContractsService } from './contracts.service';
import { Contract } from './entities/contract.entity';
import { TermsVersion } from './entities/terms-version.entity';
import { OutcomeContractReads } from './outcome.reads';

@Module({
  imports: [TypeOrmModule.forFeature([Contract, TermsVersion])],
  controllers: [ContractsController],
  providers: [ContractsService, OutcomeContractReads],
  exports: [ContractsService, OutcomeContractReads],
})
export class ContractsModule {}
