import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ContractsModule } from '../contracts/contracts.module';
import { PartiesModule } from '../parties/parties.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { OutcomeEvent } from './entities/outcome-event.entity';
import { Outcome } from './entities/outcome.entity';
import { ContractOutcomesController, OutcomesController } from './outcomes.controller';
import { OutcomeFiguresRepository } from './outcome-figures.repository';
import { OutcomeBillingReads } from './billing.reads';
import { OutcomeEvidenceReads } from './evidence.reads';
import { OutcomesRepository } from './outcomes.repository';
import { OutcomesService } from './outcomes.service';
import { DeemingSweep } from './deeming-sweep';
import { OutcomePartitions } from './outcome-partitions';
import { DeliveredValueService } from './delivered-value.service';

@Module({
  imports: [TypeOrmModule.forFeature([Outcome, OutcomeEvent]), ContractsModule, PartiesModule, WebhooksModule],
  controllers: [OutcomesController, ContractOutcomesController],
  providers: [OutcomesRepository, OutcomeFiguresRepository, OutcomesService, OutcomeBillingReads, OutcomeEvidenceReads, DeemingSweep, OutcomePartitions, DeliveredValueService],
  exports: [OutcomesService, DeemingSweep, OutcomePartitions, DeliveredValueService, OutcomeFiguresRepository, OutcomeBillingReads, OutcomeEvidenceReads],
})
export class OutcomesModule {}
