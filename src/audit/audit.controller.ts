import { Controller, Get, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, type Principal, Roles } from '../auth/principal';
import { Page } from '../common/http/pagination';
import { AuditService } from './audit.service';
import { EvidenceQuery, ExportLogQuery, ExportLogView, SigningKeyList, SigningKeyView } from './dto/audit.dto';
import { EvidenceBundleService } from './evidence-bundle.service';
import { ExportLogService } from './export-log.service';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly bundles: EvidenceBundleService,
    private readonly exportLog: ExportLogService,
  ) {}

  @Get('vendor/signing-key')
  signingKey(@CurrentPrincipal() p: Principal): Promise<SigningKeyView> {
    return this.audit.signingKey(p.vendorId);
  }

  @Get('vendor/signing-keys')
  signingKeys(@CurrentPrincipal() p: Principal): Promise<SigningKeyList> {
    return this.audit.signingKeyList(p.vendorId);
  }

  @Post('vendor/signing-keys/rotate')
  @Roles('vendor_admin')
  rotateSigningKey(@CurrentPrincipal() p: Principal): Promise<SigningKeyView> {
    return this.audit.rotateSigningKey(p.vendorId);
  }

  @Get('audit/exports')
  @Roles('vendor_admin', 'auditor')
  exports(@CurrentPrincipal() p: Principal, @Query() q: ExportLogQuery): Promise<Page<ExportLogView>> {
    return this.exportLog.list(p, q);
  }

  @Get('contracts/:id/evidence')
  @ApiProduces('application/zip')
  async contractEvidence(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: EvidenceQuery,
    @Res() res: Response,
  ): Promise<void> {
    await this.audit.send(res, await this.bundles.forContract(p, id, q));
  }

  @Get('evidence')
  @Roles('vendor_admin', 'auditor')
  @ApiProduces('application/zip')
  async vendorEvidence(@CurrentPrincipal() p: Principal, @Query() q: EvidenceQuery, @Res() res: Response): Promise<void> {
    await this.audit.send(res, await this.bundles.forVendor(p, q));
  }
}
