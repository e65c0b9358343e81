import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { ApiPageResponse } from '../common/openapi/page';
import { ApiProblemResponses } from '../common/openapi/problems';
import { ApiFileResponse, ApiJsonOrFileResponse } from '../common/openapi/files';
import { CreditNoteDoc, InvoiceDoc, InvoiceVerificationDoc, PaymentDoc } from './dto/invoice-views';

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
  @ApiOperation({ summary: 'Lists invoices the key may see, newest first' })
  @ApiPageResponse(InvoiceDoc)
  list(@CurrentPrincipal() p: Principal, @Query() q: InvoiceListQuery): Promise<Page<InvoiceView>> {
    return this.invoices.list(p, q);
  }

  @Get('invoices.csv')
  @ApiOperation({ summary: 'The invoices of a period as CSV, streamed' })
  @ApiFileResponse('text/csv', 'One row per invoice of the period')
  csv(@CurrentPrincipal() p: Principal, @Query() q: InvoiceCsvQuery): StreamableFile {
    return this.documents.csv(p, q.period);
  }

  @Get('invoices/:id')
  @ApiOperation({ summary: 'An invoice as JSON, or its PDF with `Accept: application/pdf`' })
  @ApiJsonOrFileResponse(InvoiceDoc, ['application/pdf'], 'The invoice; a PDF/A-3b commercial invoice for Accept: application/pdf')
  get(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Headers('accept') accept?: string,
  ): Promise<InvoiceView | StreamableFile> {
    return wantsPdf(accept) ? this.documents.pdf(p, id) : this.invoices.get(p, id);
  }

  @Get('invoices/:id/pdf')
  @ApiOperation({ summary: 'An invoice as PDF/A-3b, its JSON attached as invoice.json' })
  @ApiFileResponse('application/pdf', 'The invoice document')
  pdf(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<StreamableFile> {
    return this.documents.pdf(p, id);
  }

  @Get('invoices/:id/verify')
  @ApiOperation({ summary: 'Re-prices a finalized invoice from the outcomes it recorded and compares every figure' })
  @ApiOkResponse({ type: InvoiceVerificationDoc })
  verify(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<InvoiceVerification> {
    return this.invoices.verify(p, id);
  }

  @Post('invoices/:id/finalize')
  @HttpCode(200)
  @ApiOperation({ summary: 'Finalizes a draft: gapless number, issue and due dates, frozen trace and ledger postings' })
  @ApiOkResponse({ type: InvoiceDoc })
  @ApiProblemResponses(409)
  finalize(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<InvoiceView> {
    return this.invoices.finalize(p, id);
  }

  @Post('invoices/:id/tax-invoice')
  @HttpCode(200)
  @ApiOperation({ summary: 'Records the official tax invoice (fapiao) number of a finalized invoice, once' })
  @ApiOkResponse({ type: InvoiceDoc })
  recordTaxInvoice(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() dto: RecordTaxInvoiceDto): Promise<InvoiceView> {
    return this.invoices.recordTaxInvoice(p, id, dto);
  }

  @Post('invoices/:id/credit-notes')
  @ApiOperation({ summary: 'Issues a credit note against a finalized invoice (whole or by line)' })
  @ApiCreatedResponse({ type: CreditNoteDoc })
  createCreditNote(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CreateCreditNoteDto,
  ): Promise<CreditNoteView> {
    return this.settlements.createCreditNote(p, id, dto);
  }

  @Get('invoices/:id/credit-notes/:creditNoteId/pdf')
  @ApiOperation({ summary: 'A credit note as PDF/A-3b, its JSON attached as credit-note.json' })
  @ApiFileResponse('application/pdf', 'The credit note document')
  creditNotePdf(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('creditNoteId', ParseUUIDPipe) creditNoteId: string,
  ): Promise<StreamableFile> {
    return this.documents.creditNotePdf(p, id, creditNoteId);
  }

  @Get('invoices/:id/credit-notes')
  @ApiOperation({ summary: 'Lists an invoice’s credit notes' })
  @ApiOkResponse({ type: [CreditNoteDoc] })
  listCreditNotes(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<CreditNoteView[]> {
    return this.settlements.listCreditNotes(p, id);
  }

  @Post('invoices/:id/payments')
  @ApiOperation({ summary: 'Records a payment against a finalized invoice' })
  @ApiCreatedResponse({ type: PaymentDoc })
  createPayment(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CreatePaymentDto,
  ): Promise<PaymentView> {
    return this.settlements.createPayment(p, id, dto);
  }

  @Get('invoices/:id/payments')
  @ApiOperation({ summary: 'Lists an invoice’s payments' })
  @ApiOkResponse({ type: [PaymentDoc] })
  listPayments(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<PaymentView[]> {
    return this.settlements.listPayments(p, id);
  }
}
