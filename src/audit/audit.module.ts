import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ContractsModule } from '../contracts/contracts.module';
import { InvoicingModule } from '../invoicing/invoicing.module';
import { LedgerModule } from '../ledger/ledger.module';
import { OutcomesModule } from '../outcomes/outcomes.module';
import { PartiesModule } from '../parties/parties.module';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { BundleReads } from './bundle-reads';
import { EvidenceBundleService } from './evidence-bundle.service';
import { ExportLogRepository } from './export-log.repository';
import { ExportLogService } from './export-log.service';

/**
 * Auditor access: evidence bundles (signed, verifiable offline), the export log, the vendor's
 * public signing key. Reads every domain through its owner's read models, so it imports them.
 */
@Module({
  imports: [ContractsModule, PartiesModule, AuthModule, OutcomesModule, InvoicingModule, LedgerModule],
  controllers: [AuditController],
  providers: [AuditService, EvidenceBundleService, BundleReads, ExportLogRepository, ExportLogService],
  exports: [ExportLogService, AuditService, EvidenceBundleService],
})
export class AuditModule {}
