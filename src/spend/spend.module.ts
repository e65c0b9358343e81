import { Global, Module } from '@nestjs/common';
import { ContractsModule } from '../contracts/contracts.module';
import { InvoicingModule } from '../invoicing/invoicing.module';
import { OUTCOMES_CHANGED } from '../outcomes/outcomes-changed.port';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { SpendController } from './spend.controller';
import { SpendRepository } from './spend.repository';
import { SpendService } from './spend.service';

/**
 * Global so that OutcomesModule, which invoicing imports (and which must not import spend), finds
 * the OUTCOMES_CHANGED port's provider without a module cycle (as TermsUsageModule does for contracts).
 */
@Global()
@Module({
  imports: [ContractsModule, InvoicingModule, WebhooksModule],
  controllers: [SpendController],
  providers: [SpendRepository, SpendService, { provide: OUTCOMES_CHANGED, useExisting: SpendService }],
  exports: [SpendService, OUTCOMES_CHANGED],
})
export class SpendModule {}
