import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { urlencoded } from 'express';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { ContractsModule } from '../contracts/contracts.module';
import { InvoicingModule } from '../invoicing/invoicing.module';
import { LedgerModule } from '../ledger/ledger.module';
import { OutcomesModule } from '../outcomes/outcomes.module';
import { PartiesModule } from '../parties/parties.module';
import { ReportsModule } from '../reports/reports.module';
import { SpendModule } from '../spend/spend.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { CustomerPagesService } from './customer-pages.service';
import { AuditorPortalController } from './auditor.controller';
import { BillingProgress } from './billing-progress';
import { ConsoleController } from './console.controller';
import { CustomerPortalController } from './customer.controller';
import { PortalAuthController, PortalLinksController } from './portal-auth.controller';
import { PortalAuthService } from './portal-auth.service';
import { PortalSessionsRepository } from './portal-sessions.repository';
import { PortalSessionGuard } from './portal-web';

/**
 * The people's side: server-rendered pages for customers, auditors and the vendor console, on the
 * same services and scope rules as the API. Forms post as application/x-www-form-urlencoded, so
 * the pages work without JavaScript; that parser is mounted here, for portal paths only — the API
 * itself stays JSON-only.
 */
@Module({
  imports: [AuthModule, PartiesModule, ContractsModule, OutcomesModule, InvoicingModule, LedgerModule, ReportsModule, AuditModule, WebhooksModule, SpendModule],
  controllers: [PortalLinksController, PortalAuthController, CustomerPortalController, AuditorPortalController, ConsoleController],
  providers: [PortalSessionsRepository, PortalAuthService, PortalSessionGuard, CustomerPagesService, BillingProgress],
})
export class PortalModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(urlencoded({ extended: false, limit: '64kb', parameterLimit: 12_000 }))
      .forRoutes({ path: 'portal/*path', method: RequestMethod.POST });
  }
}
