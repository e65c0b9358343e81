import { Controller, Get, Param, ParseUUIDPipe, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, type Principal } from '../auth/principal';
import { AuditService } from '../audit/audit.service';
import { EvidenceQuery, ExportLogQuery } from '../audit/dto/audit.dto';
import { EvidenceBundleService } from '../audit/evidence-bundle.service';
import { ExportLogService } from '../audit/export-log.service';
import { ContractsService } from '../contracts/contracts.service';
import { translate } from './i18n';
import { compact, validated } from './portal-forms';
import { localeOf, PortalExceptionFilter, PortalPrincipal, PortalRequest, PortalRoles, PortalSessionGuard, render } from './portal-web';

/** The auditor's desk: read-only over the contracts of its grant. */
@ApiExcludeController()
@Public()
@Controller('portal/auditor')
@UseGuards(PortalSessionGuard)
@PortalRoles('auditor')
@UseFilters(PortalExceptionFilter)
export class AuditorPortalController {
  constructor(
    private readonly contracts: ContractsService,
    private readonly bundles: EvidenceBundleService,
    private readonly exportLog: ExportLogService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  async contractsPage(@PortalPrincipal() p: Principal, @Req() req: PortalRequest, @Res() res: Response) {
    const page = await this.contracts.list(p, { limit: 500 });
    render(req, res, 'auditor/contracts.njk', { section: 'contracts', title: translate(localeOf(req), 'auditor.title'), contracts: page.data });
  }

  /** The same streamed, signed ZIP as `GET /v1/contracts/:id/evidence` (and logged the same way). */
  @Get('contracts/:id/evidence')
  async evidence(@PortalPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() raw: Record<string, unknown>, @Res() res: Response) {
    const q = await validated(EvidenceQuery, compact({ from: raw.from, to: raw.to }));
    await this.audit.send(res, await this.bundles.forContract(p, id, q));
  }

  @Get('exports')
  async exports(@PortalPrincipal() p: Principal, @Query('cursor') cursor: unknown, @Req() req: PortalRequest, @Res() res: Response) {
    const page = await this.exportLog.list(p, await validated(ExportLogQuery, compact({ limit: 100, cursor })));
    render(req, res, 'auditor/exports.njk', { section: 'exports', title: translate(localeOf(req), 'exports.title'), page });
  }

  @Get('verify-offline')
  async offline(@PortalPrincipal() p: Principal, @Req() req: PortalRequest, @Res() res: Response) {
    const key = await this.audit.signingKey(p.vendorId);
    render(req, res, 'auditor/offline.njk', { section: 'offline', title: translate(localeOf(req), 'offline.title'), key });
  }
}
