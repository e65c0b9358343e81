import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { Page } from '../common/http/pagination';
import {
  CreateCreditNoteDto,
  CreatePaymentDto,
  CreditNoteView,
  InvoiceCsvQuery,
  RecordTaxInvoiceDto,
  InvoiceListQuery,
  InvoiceVerification,
  InvoiceView,
  PaymentView,
} from './dto/invoice.dto';
import { InvoiceDocumentsService } from './invoice-documents.service';
import { InvoicesService } from './invoices.service';
import { SettlementsService } from './settlements.service';

const wantsPdf = (accept?: string) => typeof accept === 'string' && /\bapplication\/pdf\b/i.test(accept) && !/application\/json/i.test(accept);

@ApiTags('invoices')
@ApiBearerAuth()
@Controller('v1')
export class InvoicesController {
  constructor(
    private readonly invoices: InvoicesService,
    private readonly settlements: SettlementsService,
    private readonly documents: InvoiceDocumentsService,
  ) {}

  @Get('invoices')
  list(@CurrentPrincipal() p: Principal, @Query() q: InvoiceListQuery): Promise<Page<InvoiceView>> {
    return this.invoices.list(p, q);
  }

  @Get('invoices.csv')
  @ApiProduces('text/csv')
  csv(@CurrentPrincipal() p: Principal, @Query() q: InvoiceCsvQuery): StreamableFile {
    return this.documents.csv(p, q.period);
  }

  @Get('invoices/:id')
  @ApiProduces('application/json', 'application/pdf')
  get(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Headers('accept') accept?: string,
  ): Promise<InvoiceView | StreamableFile> {
    return wantsPdf(accept) ? this.documents.pdf(p, id) : this.invoices.get(p, id);
  }

  @Get('invoices/:id/pdf')
  @ApiProduces('application/pdf')
  pdf(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<StreamableFile> {
    return this.documents.pdf(p, id);
  }

  @Get('invoices/:id/verify')
  verify(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<InvoiceVerification> {
    return this.invoices.verify(p, id);
  }

  @Post('invoices/:id/finalize')
  @HttpCode(200)
  finalize(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<InvoiceView> {
    return this.invoices.finalize(p, id);
  }

  @Post('invoices/:id/tax-invoice')
  @HttpCode(200)
  @ApiOperation({ summary: 'Records the official tax invoice (fapiao) number of a finalized invoice, once' })
  recordTaxInvoice(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: RecordTaxInvoiceDto): Promise<InvoiceView> {
    return this.invoices.recordTaxInvoice(p, id, dto);
  }

  @Post('invoices/:id/credit-notes')
  createCreditNote(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CreateCreditNoteDto,
  ): Promise<CreditNoteView> {
    return this.settlements.createCreditNote(p, id, dto);
  }

  @Get('invoices/:id/credit-notes/:creditNoteId/pdf')
  @ApiProduces('application/pdf')
  @ApiOperation({ summary: 'A credit note as PDF/A-3b, its JSON attached as credit-note.json' })
  creditNotePdf(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('creditNoteId', ParseUUIDPipe) creditNoteId: string,
  ): Promise<StreamableFile> {
    return this.documents.creditNotePdf(p, id, creditNoteId);
  }

  @Get('invoices/:id/credit-notes')
  listCreditNotes(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<CreditNoteView[]> {
    return this.settlements.listCreditNotes(p, id);
  }

  @Post('invoices/:id/payments')
  createPayment(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CreatePaymentDto,
  ): Promise<PaymentView> {
    return this.settlements.createPayment(p, id, dto);
  }

  @Get('invoices/:id/payments')
  listPayments(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<PaymentView[]> {
    return this.settlements.listPayments(p, id);
  }
}
