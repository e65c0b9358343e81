import { Module } from '@nestjs/common';
import { ContractsModule } from '../contracts/contracts.module';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { EvidenceBundleService } from './evidence-bundle.service';
import { ExportLogService } from './export-log.service';

/** Auditor access: evidence bundles (signed, verifiable offline), the export log, the vendor's public signing key. */
@Module({
  imports: [ContractsModule],
  controllers: [AuditController],
  providers: [AuditService, EvidenceBundleService, ExportLogService],
  exports: [ExportLogService, AuditService, EvidenceBundleService],
})
export class AuditModule {}
