import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ContractsModule } from '../contracts/contracts.module';
import { LedgerModule } from '../ledger/ledger.module';
import { OutcomesModule } from '../outcomes/outcomes.module';
import { PartiesModule } from '../parties/parties.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { BillCommand } from './bill.command';
import { BillingInputsRepository } from './billing-inputs.repository';
import { BillingQueue } from './billing-queue';
import { WorkerCommand } from './worker.command';
import { BillingRunsController } from './billing-runs.controller';
import { BillingRunsRepository } from './billing-runs.repository';
import { BillingRunsService } from './billing-runs.service';
import { BillingRun } from './entities/billing-run.entity';
import { CreditNote } from './entities/credit-note.entity';
import { Invoice } from './entities/invoice.entity';
import { Payment } from './entities/payment.entity';
import { InvoicingEvidenceReads } from './evidence.reads';
import { InvoiceDocumentsService } from './invoice-documents.service';
import { InvoicesController } from './invoices.controller';
import { InvoicesService } from './invoices.service';
import { SettlementsRepository } from './settlements.repository';
import { SettlementsService } from './settlements.service';
import { QuotesController, SimulationsController } from './simulations.controller';
import { SimulationsService } from './simulations.service';
import { InvoiceReportReads } from './report.reads';
import { TermsUsageModule } from './terms-usage.provider';

@Module({
  imports: [
    TypeOrmModule.forFeature([Invoice, CreditNote, Payment, BillingRun]),
    TermsUsageModule,
    ContractsModule,
    OutcomesModule,
    PartiesModule,
    LedgerModule,
    WebhooksModule,
  ],
  controllers: [InvoicesController, BillingRunsController, SimulationsController, QuotesController],
  providers: [
    BillingInputsRepository,
    BillingRunsRepository,
    BillingQueue,
    SettlementsRepository,
    InvoicingEvidenceReads,
    InvoicesService,
    SettlementsService,
    BillingRunsService,
    InvoiceDocumentsService,
    BillCommand,
    WorkerCommand,
    InvoiceReportReads,
    SimulationsService,
  ],
  exports: [InvoicesService, BillingRunsService, InvoiceReportReads, InvoicingEvidenceReads, SettlementsService, InvoiceDocumentsService],
})
export class InvoicingModule {}
