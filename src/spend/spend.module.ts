import { Global, Module } from '@nestjs/common';
import { ContractsModule } from '../contracts/contracts.module';
import { InvoicingModule } from '../invoicing/invoicing.module';
import { SPEND_LIMITS } from '../invoicing/spend-limits.port';
import { OUTCOMES_CHANGED } from '../outcomes/outcomes-changed.port';
import { SpendLimitsProvider } from './spend-limits.provider';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { SpendController } from './spend.controller';
import { SpendRepository } from './spend.repository';
import { SpendService } from './spend.service';

/**
 * Global so that OutcomesModule, which invoicing imports (and which must not import spend), finds
 * the OUTCOMES_CHANGED port's provider, and InvoicingModule the SPEND_LIMITS one, without a module cycle
 * (as TermsUsageModule does for contracts).
 */
@Global()
@Module({
  imports: [ContractsModule, InvoicingModule, WebhooksModule],
  controllers: [SpendController],
  providers: [
    SpendRepository,
    SpendService,
    SpendLimitsProvider,
    { provide: OUTCOMES_CHANGED, useExisting: SpendService },
    { provide: SPEND_LIMITS, useExisting: SpendLimitsProvider },
  ],
  exports: [SpendService, OUTCOMES_CHANGED, SPEND_LIMITS],
})
export class SpendModule {}
