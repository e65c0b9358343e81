import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res, StreamableFile, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, type Principal } from '../auth/principal';
import { AuditService } from '../audit/audit.service';
import { InvoiceListQuery } from '../invoicing/dto/invoice.dto';
import { InvoiceDocumentsService } from '../invoicing/invoice-documents.service';
import { InvoicesService } from '../invoicing/invoices.service';
import { LedgerService } from '../ledger/ledger.service';
import { BulkRejectDto, BulkVerifyDto, OutcomeListQuery, ReasonDto } from '../outcomes/dto/outcome.dto';
import { OutcomesService } from '../outcomes/outcomes.service';
import { RangeQuery } from '../reports/dto/reports.dto';
import { ReportFilesService } from '../reports/report-files.service';
import { ReportsService } from '../reports/reports.service';
import { roiChartSvg } from '../reports/roi-chart';
import { PutSpendControlsDto } from '../spend/dto/spend.dto';
import { SpendService } from '../spend/spend.service';
import { CustomerPagesService } from './customer-pages.service';
import { translate } from './i18n';
import { compact, many, validated } from './portal-forms';
import { localeOf, sendFile, PortalExceptionFilter, PortalPrincipal, PortalRequest, PortalRoles, PortalSessionGuard, render } from './portal-web';
import { PortalError, PortalErrorCode } from './portal.errors';

const INBOX_TABS = ['recorded', 'verified', 'disputed', 'rejected', 'all'] as const;

/** Parses the inbox filters from the page's query string into the API's list query. */
function inboxQuery(raw: Record<string, unknown>) {
  const tab = INBOX_TABS.includes(raw.tab as never) ? (raw.tab as (typeof INBOX_TABS)[number]) : 'recorded';
  const dim = typeof raw.dimension === 'string' ? /^\s*([^=\s]+)\s*=\s*(.+?)\s*$/.exec(raw.dimension) : null;
  const plain = compact({
    contractId: raw.contractId,
    type: raw.type,
    period: raw.period,
    cursor: raw.cursor,
    status: tab === 'all' ? undefined : tab,
    limit: 50,
  });
  if (dim) plain.dimensions = { [dim[1]]: dim[2] };
  else if (typeof raw.dimension === 'string' && raw.dimension.trim())
    throw PortalError.create(PortalErrorCode.FORM_INVALID, undefined, [{ field: 'dimension', message: 'must look like site=S1' }]);
  return { tab, plain, filters: { contractId: raw.contractId ?? '', type: raw.type ?? '', period: raw.period ?? '', dimension: raw.dimension ?? '' } };
}

/** The customer's portal: verify what it is charged for, read what it pays and what it got back. */
@ApiExcludeController()
@Public()
@Controller('portal/customer')
@UseGuards(PortalSessionGuard)
@PortalRoles('customer')
@UseFilters(PortalExceptionFilter)
export class CustomerPortalController {
  constructor(
    private readonly pages: CustomerPagesService,
    private readonly outcomes: OutcomesService,
    private readonly invoices: InvoicesService,
    private readonly documents: InvoiceDocumentsService,
    private readonly reportFiles: ReportFilesService,
    private readonly reports: ReportsService,
    private readonly audit: AuditService,
    private readonly ledger: LedgerService,
    private readonly spend: SpendService,
  ) {}

  @Get()
  async inbox(@PortalPrincipal() p: Principal, @Query() raw: Record<string, unknown>, @Req() req: PortalRequest, @Res() res: Response) {
    const { tab, plain, filters } = inboxQuery(raw);
    const q = await validated(OutcomeListQuery, plain);
    const data = await this.pages.inbox(p, q);
    const t = (k: string, v?: Record<string, unknown>) => translate(localeOf(req), k, v);
    const notice = typeof raw.done === 'string' ? t(`inbox.done.${raw.done}`, { n: raw.n, failed: raw.failed ?? 0 }) : undefined;
    const qs = new URLSearchParams(compact({ ...filters, tab }) as Record<string, string>);
    render(req, res, 'customer/inbox.njk', { section: 'inbox', title: t('inbox.title'), tab, tabs: INBOX_TABS, filters, qs: qs.toString(), notice, ...data });
  }

  /** Verify or reject the ticked outcomes, with one reason: the bulk API, one statement. */
  @Post('outcomes/decide')
  async decide(@PortalPrincipal() p: Principal, @Body() body: Record<string, unknown>, @Res() res: Response) {
    const ids = many(body.ids);
    const reason = typeof body.reason === 'string' && body.reason.trim() ? body.reason.trim() : undefined;
    let n: number;
    let failed: number;
    if (body.decision === 'reject') {
      const dto = await validated(BulkRejectDto, { ids, reason });
      const r = await this.outcomes.bulkReject(p, dto.ids, dto.reason);
      [n, failed] = [r.rejected, r.failed.length];
    } else if (body.decision === 'verify') {
      const dto = await validated(BulkVerifyDto, compact({ ids, reason }));
      const r = await this.outcomes.bulkVerify(p, dto.ids, dto.reason ?? null);
      [n, failed] = [r.verified, r.failed.length];
    } else throw PortalError.create(PortalErrorCode.FORM_INVALID, undefined, [{ field: 'decision', message: 'must be verify or reject' }]);
    const back = typeof body.back === 'string' && body.back.startsWith('/portal/customer') ? body.back : '/portal/customer';
    const sep = back.includes('?') ? '&' : '?';
    res.redirect(303, `${back}${sep}done=${body.decision}&n=${n}&failed=${failed}`);
  }

  @Get('outcomes/:id')
  async outcome(@PortalPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query('done') done: unknown, @Req() req: PortalRequest, @Res() res: Response) {
    const data = await this.pages.outcome(p, id);
    const t = (k: string) => translate(localeOf(req), k);
    render(req, res, 'customer/outcome.njk', {
      section: 'inbox',
      title: t('outcome.title'),
      notice: typeof done === 'string' ? t(`outcome.done.${done === 'dispute' ? 'dispute' : 'other'}`) : undefined,
      ...data,
    });
  }

  @Post('outcomes/:id/dispute')
  async dispute(@PortalPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: Record<string, unknown>, @Res() res: Response) {
    const dto = await validated(ReasonDto, { reason: body.reason });
    await this.outcomes.dispute(p, id, dto.reason);
    res.redirect(303, `/portal/customer/outcomes/${id}?done=dispute`);
  }

  @Get('invoices')
  async invoiceList(@PortalPrincipal() p: Principal, @Query('cursor') cursor: unknown, @Req() req: PortalRequest, @Res() res: Response) {
    const page = await this.invoices.list(p, await validated(InvoiceListQuery, compact({ limit: 50, cursor })));
    const contracts = new Map((await this.pages.contractsOf(p)).map((c) => [c.id, c]));
    render(req, res, 'customer/invoices.njk', { section: 'invoices', title: translate(localeOf(req), 'invoices.title'), page, contracts });
  }

  @Get('invoices/:id')
  async invoice(@PortalPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Req() req: PortalRequest, @Res() res: Response) {
    const invoice = await this.invoices.get(p, id);
    const contract = (await this.pages.contractsOf(p)).find((c) => c.id === invoice.contractId)!;
    render(req, res, 'customer/invoice.njk', { section: 'invoices', title: translate(localeOf(req), 'invoice.title'), invoice, contract, pdfBase: '/portal/customer' });
  }

  @Get('invoices/:id/pdf')
  pdf(@PortalPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<StreamableFile> {
    return this.documents.pdf(p, id);
  }

  @Get('statements')
  async statements(@PortalPrincipal() p: Principal, @Req() req: PortalRequest, @Res() res: Response) {
    const contracts = await this.pages.contractsOf(p);
    const rows = contracts.map((c) => ({ contract: c, periods: monthsOf(c.startsOn, c.endsOn) }));
    render(req, res, 'customer/statements.njk', { section: 'statements', title: translate(localeOf(req), 'statements.title'), rows });
  }

  /** `:period` is YYYY-MM (the page), YYYY-MM.pdf or YYYY-MM.csv (the API's documents). */
  @Get('statements/:contractId/:period')
  async statement(
    @PortalPrincipal() p: Principal,
    @Param('contractId', ParseUUIDPipe) contractId: string,
    @Param('period') period: string,
    @Req() req: PortalRequest,
    @Res() res: Response,
  ) {
    const r = await this.reportFiles.statement(p, contractId, period);
    if (r instanceof StreamableFile) return sendFile(res, r);
    render(req, res, 'customer/statement.njk', { section: 'statements', title: translate(localeOf(req), 'statement.title'), s: r, contractId });
  }

  @Get('roi')
  async roi(@PortalPrincipal() p: Principal, @Query() raw: Record<string, unknown>, @Req() req: PortalRequest, @Res() res: Response) {
    const q = await validated(RangeQuery, compact({ from: raw.from, to: raw.to }));
    const roi = await this.reports.customerRoi(p, p.customerId!, q, 'json');
    const charts = roi.reports.map((r) => roiChartSvg(r.months, r.currency, `${roi.customerName} · ${r.currency}`));
    render(req, res, 'customer/roi.njk', { section: 'roi', title: translate(localeOf(req), 'roi.title'), roi, charts, from: q.from ?? '', to: q.to ?? '' });
  }

  /** Each contract's budget, spent share, forecast and crossed thresholds, with the form that sets its controls. */
  @Get('spend')
  async spendPage(@PortalPrincipal() p: Principal, @Query('done') done: unknown, @Req() req: PortalRequest, @Res() res: Response) {
    const contracts = await this.pages.contractsOf(p);
    const rows = [];
    for (const c of contracts) rows.push({ contract: c, current: await this.spend.currentPeriod(p, c.id) });
    const t = (k: string) => translate(localeOf(req), k);
    render(req, res, 'customer/spend.njk', { section: 'spend', title: t('spend.title'), rows, notice: done === 'saved' ? t('spend.saved') : undefined });
  }

  /** The customer sets its contract's controls: the API's PUT, validated by the same DTO. */
  @Post('spend/:contractId')
  async setSpend(@PortalPrincipal() p: Principal, @Param('contractId', ParseUUIDPipe) contractId: string, @Body() body: Record<string, unknown>, @Res() res: Response) {
    const thresholds =
      typeof body.thresholds === 'string' && body.thresholds.trim()
        ? body.thresholds.split(/[\s,，、]+/).filter(Boolean).map((x) => (/^\d{1,4}$/.test(x) ? Number(x) : x))
        : undefined;
    const dto = await validated(PutSpendControlsDto, compact({ budget: body.budget, thresholds, hardLimit: body.hardLimit === 'true' }));
    await this.spend.put(p, contractId, dto);
    res.redirect(303, '/portal/customer/spend?done=saved');
  }

  @Get('trust')
  async trust(@PortalPrincipal() p: Principal, @Req() req: PortalRequest, @Res() res: Response) {
    await this.trustPage(p, req, res, {});
  }

  /** The latest signed checkpoint as a file to keep (the same JSON the API answers). */
  @Get('trust/checkpoint.json')
  async checkpointFile(@PortalPrincipal() p: Principal, @Res() res: Response) {
    const c = await this.ledger.checkpoint(p.vendorId);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="ledger-checkpoint-${c.sequence}.json"`);
    res.setHeader('Cache-Control', 'no-store');
    res.send(JSON.stringify(c, null, 2) + '\n');
  }

  /** A checkpoint kept earlier, pasted back: does the vendor's chain still extend it? (the API's POST /v1/ledger/verify) */
  @Post('trust/verify')
  async verifyCheckpoint(@PortalPrincipal() p: Principal, @Body() body: Record<string, unknown>, @Req() req: PortalRequest, @Res() res: Response) {
    let kept: unknown;
    try {
      kept = JSON.parse(typeof body.checkpoint === 'string' ? body.checkpoint : '');
    } catch {
      throw PortalError.create(PortalErrorCode.FORM_INVALID, undefined, [{ field: 'checkpoint', message: 'must be the checkpoint’s JSON, as downloaded' }]);
    }
    const result = await this.ledger.verifyAgainst(p.vendorId, kept);
    await this.trustPage(p, req, res, { result });
  }

  private async trustPage(p: Principal, req: PortalRequest, res: Response, extra: Record<string, unknown>) {
    const key = await this.audit.signingKey(p.vendorId);
    const checkpoint = await this.ledger.checkpoint(p.vendorId);
    render(req, res, 'customer/trust.njk', { section: 'trust', title: translate(localeOf(req), 'trust.title'), key, checkpoint, ...extra });
  }
}

/** The months of a contract up to the current one (statements exist per billing month). */
export function monthsOf(startsOn: string, endsOn: string | null, today = new Date().toISOString().slice(0, 7)): string[] {
  const out: string[] = [];
  let [y, m] = startsOn.slice(0, 7).split('-').map(Number);
  const last = endsOn && endsOn.slice(0, 7) < today ? endsOn.slice(0, 7) : today;
  for (let i = 0; i < 120; i++) {
    const label = `${y}-${String(m).padStart(2, '0')}`;
    if (label > last) break;
    out.push(label);
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  }
  return out.reverse();
}
