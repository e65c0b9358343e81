import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ContractsModule } from '../contracts/contracts.module';
import { LedgerModule } from '../ledger/ledger.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { BillCommand } from './bill.command';
import { BillingInputsRepository } from './billing-inputs.repository';
import { BillingRunsController } from './billing-runs.controller';
import { BillingRunsService } from './billing-runs.service';
import { BillingRun } from './entities/billing-run.entity';
import { CreditNote } from './entities/credit-note.entity';
import { Invoice } from './entities/invoice.entity';
import { Payment } from './entities/payment.entity';
import { InvoiceDocumentsService } from './invoice-documents.service';
import { InvoicesController } from './invoices.controller';
import { InvoicesService } from './invoices.service';
import { InvoicingDemoStep } from './invoicing.demo-step';
import { SettlementsService } from './settlements.service';

@Module({
  imports: [TypeOrmModule.forFeature([Invoice, CreditNote, Payment, BillingRun]), ContractsModule, LedgerModule, WebhooksModule],
  controllers: [InvoicesController, BillingRunsController],
  providers: [
    BillingInputsRepository,
    InvoicesService,
    SettlementsService,
    BillingRunsService,
    InvoiceDocumentsService,
    BillCommand,
    InvoicingDemoStep,
  ],
  exports: [InvoicesService, BillingRunsService, SettlementsService, InvoiceDocumentsService],
})
export class InvoicingModule {}
