import { Controller, Get, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, type Principal, Roles } from '../auth/principal';
import { Page } from '../common/http/pagination';
import { AuditService } from './audit.service';
import { EvidenceQuery, ExportLogQuery, ExportLogView, SigningKeyList, SigningKeyView } from './dto/audit.dto';
import { EvidenceBundleService } from './evidence-bundle.service';
import { ExportLogService } from './export-log.service';
import { ApiPageResponse } from '../common/openapi/page';
import { ApiFileResponse, ApiJsonOrFileResponse } from '../common/openapi/files';

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
  @ApiOperation({ summary: 'The vendor’s active signing key (public part), which signs bundles and checkpoints' })
  @ApiOkResponse({ type: SigningKeyView })
  signingKey(@CurrentPrincipal() p: Principal): Promise<SigningKeyView> {
    return this.audit.signingKey(p.vendorId);
  }

  @Get('vendor/signing-keys')
  @ApiOperation({ summary: 'Every signing key of the vendor with its validity' })
  @ApiOkResponse({ type: SigningKeyList })
  signingKeys(@CurrentPrincipal() p: Principal): Promise<SigningKeyList> {
    return this.audit.signingKeyList(p.vendorId);
  }

  @Post('vendor/signing-keys/rotate')
  @Roles('vendor_admin')
  @ApiOperation({ summary: 'Rotates the signing key: a new active key, the old one kept for verification' })
  @ApiCreatedResponse({ type: SigningKeyView })
  rotateSigningKey(@CurrentPrincipal() p: Principal): Promise<SigningKeyView> {
    return this.audit.rotateSigningKey(p.vendorId);
  }

  @Get('audit/exports')
  @Roles('vendor_admin', 'auditor')
  @ApiOperation({ summary: 'The log of evidence bundle exports, newest first' })
  @ApiPageResponse(ExportLogView)
  exports(@CurrentPrincipal() p: Principal, @Query() q: ExportLogQuery): Promise<Page<ExportLogView>> {
    return this.exportLog.list(p, q);
  }

  @Get('contracts/:id/evidence')
  @ApiOperation({ summary: 'The contract’s evidence bundle for a range: a streamed ZIP with a signed manifest' })
  @ApiFileResponse('application/zip', 'The evidence bundle')
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
  @ApiOperation({ summary: 'The whole vendor’s evidence bundle for a range' })
  @ApiFileResponse('application/zip', 'The evidence bundle')
  async vendorEvidence(@CurrentPrincipal() p: Principal, @Query() q: EvidenceQuery, @Res() res: Response): Promise<void> {
    await this.audit.send(res, await this.bundles.forVendor(p, q));
  }
}
