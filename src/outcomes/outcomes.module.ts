import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ContractsModule } from '../contracts/contracts.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { OutcomeEvent } from './entities/outcome-event.entity';
import { Outcome } from './entities/outcome.entity';
import { ContractOutcomesController, OutcomesController } from './outcomes.controller';
import { OutcomesDemoStep } from './outcomes.demo-step';
import { OutcomeFiguresRepository } from './outcome-figures.repository';
import { OutcomesRepository } from './outcomes.repository';
import { OutcomesService } from './outcomes.service';

@Module({
  imports: [TypeOrmModule.forFeature([Outcome, OutcomeEvent]), ContractsModule, WebhooksModule],
  controllers: [OutcomesController, ContractOutcomesController],
  providers: [OutcomesRepository, OutcomeFiguresRepository, OutcomesService, OutcomesDemoStep],
  exports: [OutcomesService, OutcomeFiguresRepository],
})
export class OutcomesModule {}
