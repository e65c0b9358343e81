import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res, StreamableFile, UseFilters, UseGuards } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, type Principal } from '../auth/principal';
import type { AppConfig } from '../common/config/app-config';
import { ContractsService } from '../contracts/contracts.service';
import { SpendService } from '../spend/spend.service';
import { CreateBillingRunDto, CreateCreditNoteDto, CreatePaymentDto, InvoiceListQuery } from '../invoicing/dto/invoice.dto';
import { BillingRunsService } from '../invoicing/billing-runs.service';
import { InvoiceDocumentsService } from '../invoicing/invoice-documents.service';
import { InvoicesService } from '../invoicing/invoices.service';
import { SettlementsService } from '../invoicing/settlements.service';
import { LedgerService } from '../ledger/ledger.service';
import { OutcomeStatsQuery } from '../outcomes/dto/outcome.dto';
import { OutcomesService } from '../outcomes/outcomes.service';
import { CustomersService } from '../parties/customers.service';
import { WebhooksService } from '../webhooks/webhooks.service';
import { BillingProgress } from './billing-progress';
import { CreatePortalLinkDto } from './dto/portal-link.dto';
import { translate } from './i18n';
import { baseUrlOf } from './portal-auth.controller';
import { PortalAuthService } from './portal-auth.service';
import { compact, many, validated } from './portal-forms';
import { localeOf, PortalExceptionFilter, PortalPrincipal, PortalRequest, PortalRoles, PortalSessionGuard, render } from './portal-web';
import { PortalError, PortalErrorCode } from './portal.errors';

const thisMonth = () => new Date().toISOString().slice(0, 7);

/** The vendor console: the admin's API calls as pages, under the session of the key that signed in. */
@ApiExcludeController()
@Public()
@Controller('portal/console')
@UseGuards(PortalSessionGuard)
@PortalRoles('vendor_admin')
@UseFilters(PortalExceptionFilter)
export class ConsoleController {
  constructor(
    private readonly customers: CustomersService,
    private readonly contracts: ContractsService,
    private readonly outcomes: OutcomesService,
    private readonly runs: BillingRunsService,
    private readonly progress: BillingProgress,
    private readonly invoices: InvoicesService,
    private readonly documents: InvoiceDocumentsService,
    private readonly settlements: SettlementsService,
    private readonly ledger: LedgerService,
    private readonly webhooks: WebhooksService,
    private readonly auth: PortalAuthService,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly spend: SpendService,
  ) {}

  private t(req: PortalRequest, key: string, params?: Record<string, unknown>) {
    return translate(localeOf(req), key, params);
  }

  @Get()
  async overview(@PortalPrincipal() p: Principal, @Req() req: PortalRequest, @Res() res: Response) {
    const [chain, drafts] = await Promise.all([this.ledger.verify(p.vendorId), this.invoices.list(p, { status: 'draft', limit: 500 })]);
    render(req, res, 'console/overview.njk', { section: 'overview', title: this.t(req, 'console.title'), chain, drafts: drafts.data.length });
  }

  @Get('customers')
  async customerList(@PortalPrincipal() p: Principal, @Query('cursor') cursor: unknown, @Req() req: PortalRequest, @Res() res: Response) {
    const page = await this.customers.list(p, compact({ limit: 100, cursor }));
    render(req, res, 'console/customers.njk', { section: 'customers', title: this.t(req, 'nav.customers'), page });
  }

  @Get('contracts')
  async contractList(@PortalPrincipal() p: Principal, @Query('cursor') cursor: unknown, @Req() req: PortalRequest, @Res() res: Response) {
    const page = await this.contracts.list(p, compact({ limit: 100, cursor }));
    render(req, res, 'console/contracts.njk', { section: 'contracts', title: this.t(req, 'nav.contracts'), page });
  }

  @Get('contracts/:id')
  async contract(@PortalPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query('period') period: unknown, @Req() req: PortalRequest, @Res() res: Response) {
    const q = await validated(OutcomeStatsQuery, { period: typeof period === 'string' && period ? period : thisMonth() });
    const [contract, terms, stats, spend] = await Promise.all([
      this.contracts.get(p, id), this.contracts.listTerms(p, id), this.outcomes.stats(p, id, q.period), this.spend.currentPeriod(p, id),
    ]);
    render(req, res, 'console/contract.njk', { section: 'contracts', title: contract.name, contract, terms, stats, period: q.period, spend });
  }

  @Get('billing')
  billing(@Req() req: PortalRequest, @Res() res: Response) {
    render(req, res, 'console/billing.njk', { section: 'billing', title: this.t(req, 'nav.billing'), period: thisMonth() });
  }

  /** Starts a billing run and sends the browser to watch it. */
  @Post('billing-runs')
  async startRun(@PortalPrincipal() p: Principal, @Body() body: Record<string, unknown>, @Res() res: Response) {
    const dto = await validated(CreateBillingRunDto, { period: body.period });
    const token = this.progress.start(p.vendorId, (progress) => this.runs.run(p.vendorId, dto, p.keyId, progress));
    res.redirect(303, `/portal/console/billing/${token}`);
  }

  @Get('billing/:token')
  run(@PortalPrincipal() p: Principal, @Param('token') token: string, @Req() req: PortalRequest, @Res() res: Response) {
    const tracked = this.progress.get(p.vendorId, token);
    if (!tracked) throw PortalError.create(PortalErrorCode.NOT_FOUND);
    render(req, res, 'console/run.njk', { section: 'billing', title: this.t(req, 'run.title'), tracked, running: !tracked.run && !tracked.error });
  }

  @Get('invoices')
  async invoiceList(@PortalPrincipal() p: Principal, @Query() raw: Record<string, unknown>, @Req() req: PortalRequest, @Res() res: Response) {
    const q = await validated(InvoiceListQuery, compact({ status: raw.status, period: raw.period, cursor: raw.cursor, limit: 100 }));
    const [page, contracts] = await Promise.all([this.invoices.list(p, q), this.contracts.list(p, { limit: 500 })]);
    const notice = raw.done === 'finalized' ? this.t(req, 'console.finalized', { number: raw.number }) : undefined;
    render(req, res, 'console/invoices.njk', {
      section: 'invoices', title: this.t(req, 'invoices.title'), page, status: q.status ?? '', notice,
      contracts: new Map(contracts.data.map((c) => [c.id, c])),
    });
  }

  @Get('invoices/:id')
  async invoice(@PortalPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query('done') done: unknown, @Req() req: PortalRequest, @Res() res: Response) {
    const invoice = await this.invoices.get(p, id);
    const [contract, creditNotes, payments] = await Promise.all([
      this.contracts.get(p, invoice.contractId), this.settlements.listCreditNotes(p, id), this.settlements.listPayments(p, id),
    ]);
    render(req, res, 'console/invoice.njk', {
      section: 'invoices', title: this.t(req, 'invoice.title'), invoice, contract, creditNotes, payments, pdfBase: '/portal/console',
      notice: typeof done === 'string' && ['payment', 'credit'].includes(done) ? this.t(req, `console.done.${done}`) : undefined,
    });
  }

  @Get('invoices/:id/pdf')
  pdf(@PortalPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<StreamableFile> {
    return this.documents.pdf(p, id);
  }

  @Post('invoices/:id/finalize')
  async finalize(@PortalPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Res() res: Response) {
    const invoice = await this.invoices.finalize(p, id);
    res.redirect(303, `/portal/console/invoices?status=draft&done=finalized&number=${encodeURIComponent(invoice.number ?? '')}`);
  }

  @Post('invoices/:id/payments')
  async payment(@PortalPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: Record<string, unknown>, @Res() res: Response) {
    const dto = await validated(CreatePaymentDto, compact({ amount: body.amount, paidOn: body.paidOn, reference: body.reference }));
    await this.settlements.createPayment(p, id, dto);
    res.redirect(303, `/portal/console/invoices/${id}?done=payment`);
  }

  /** A credit note for the whole remaining invoice (line-by-line credits stay an API call). */
  @Post('invoices/:id/credit-notes')
  async creditNote(@PortalPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: Record<string, unknown>, @Res() res: Response) {
    const dto = await validated(CreateCreditNoteDto, { reason: body.reason });
    await this.settlements.createCreditNote(p, id, dto);
    res.redirect(303, `/portal/console/invoices/${id}?done=credit`);
  }

  @Get('webhooks')
  async webhookPage(@PortalPrincipal() p: Principal, @Req() req: PortalRequest, @Res() res: Response) {
    const [endpoints, events] = await Promise.all([this.webhooks.listEndpoints(p, { limit: 100 }), this.webhooks.listEvents(p, { limit: 50 })]);
    render(req, res, 'console/webhooks.njk', { section: 'webhooks', title: this.t(req, 'nav.webhooks'), endpoints, events });
  }

  @Get('links')
  async links(@PortalPrincipal() p: Principal, @Req() req: PortalRequest, @Res() res: Response) {
    await this.linksPage(p, req, res, null);
  }

  /** Issues a portal link (the same rules as `POST /v1/portal-links`) and shows it once. */
  @Post('links')
  async issueLink(@PortalPrincipal() p: Principal, @Body() body: Record<string, unknown>, @Req() req: PortalRequest, @Res() res: Response) {
    const dto = await validated(
      CreatePortalLinkDto,
      body.role === 'auditor' ? { role: 'auditor', contractIds: many(body.contractIds) } : compact({ role: body.role, customerId: body.customerId }),
    );
    const link = await this.auth.issueLink(p, dto, baseUrlOf(req, this.config));
    await this.linksPage(p, req, res, link);
  }

  private async linksPage(p: Principal, req: PortalRequest, res: Response, link: { url: string; expiresAt: string } | null) {
    const [customers, contracts] = await Promise.all([this.customers.list(p, { limit: 500 }), this.contracts.list(p, { limit: 500 })]);
    render(req, res, 'console/links.njk', { section: 'links', title: this.t(req, 'nav.links'), customers: customers.data, contracts: contracts.data, link });
  }
}
