import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { AuditModule } from '../audit/audit.module';
import { ContractsModule } from '../contracts/contracts.module';
import { InvoicingModule } from '../invoicing/invoicing.module';
import { OutcomesModule } from '../outcomes/outcomes.module';
import { PartiesModule } from '../parties/parties.module';
import { ReportFilesService } from './report-files.service';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

/** Savings-share statements, ROI reports and the vendor portfolio (every export logged). */
@Module({
  imports: [ContractsModule, AuditModule, PartiesModule, OutcomesModule, InvoicingModule, LedgerModule],
  controllers: [ReportsController],
  providers: [ReportsService, ReportFilesService],
  exports: [ReportsService, ReportFilesService],
})
export class ReportsModule {}
