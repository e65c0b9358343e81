import { Injectable, StreamableFile } from '@nestjs/common';
import { stringify } from 'csv-stringify';
import { csvCell } from '../kernel/csv-cell';
import { FONT, FONT_BOLD, groupedAmount, newArchivalPdf } from '../common/pdf';
import { notFound } from '../common/errors/common.errors';
import { canonicalJson } from '../kernel/canonical-json';
import { cnyCapitalNumerals } from '../kernel/capital-numerals';
import { Readable } from 'node:stream';
import type { Principal } from '../auth/principal';
import { scopeOf } from '../auth/scope';
import { Money } from '../common/money';
import { ContractsService } from '../contracts/contracts.service';
import { type DocumentParties, PartyNamesReads } from '../parties/documents.reads';
import { minorUnits } from '../kernel/currency';
import { CreditNoteView, InvoiceView } from './dto/invoice.dto';
import { SettlementsService } from './settlements.service';
import { InvoicesRepository } from './invoices.repository';
import { InvoicesService } from './invoices.service';

/** The standard PDF fonts speak WinAnsi only: spell out the few other symbols the engine writes. */
export function pdfText(s: string): string {
  return s
    .replace(/\u2212/g, '-')
    .replace(/\u2264/g, '<=')
    .replace(/\u2265/g, '>=')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[^\x20-\x7e\u00a0-\u00ff\u2013\u2014\u2026]/g, '?');
}

const CSV_COLUMNS = [
  'number',
  'status',
  'invoice_id',
  'contract_id',
  'customer_id',
  'customer_name',
  'period',
  'period_start',
  'period_end',
  'currency',
  'subtotal',
  'tax',
  'total',
  'amount_paid',
  'amount_credited',
  'amount_due',
  'finalized_at',
  'trace_digest',
] as const;

/** Invoice documents: one invoice as PDF, a period's invoices as CSV (streamed in keyset batches). */
@Injectable()
export class InvoiceDocumentsService {
  constructor(
    private readonly invoices: InvoicesService,
    private readonly repo: InvoicesRepository,
    private readonly contracts: ContractsService,
    private readonly parties: PartyNamesReads,
    private readonly settlements: SettlementsService,
  ) {}

  async creditNotePdf(p: Principal, invoiceId: string, creditNoteId: string): Promise<StreamableFile> {
    const invoice = await this.invoices.get(p, invoiceId);
    const cn = (await this.settlements.listCreditNotes(p, invoiceId)).find((c) => c.id === creditNoteId);
    if (!cn) throw notFound('credit note', creditNoteId);
    const scope = scopeOf(p);
    const parties = await this.parties.documentParties(scope, invoice.customerId);
    if (!parties) throw notFound('customer', invoice.customerId);
    const contract = await this.contracts.findInScope(scope, invoice.contractId);
    const buffer = await renderCreditNotePdf(cn, invoice, { parties, contractName: contract.name, json: canonicalJson(cn) });
    return new StreamableFile(buffer, { type: 'application/pdf', disposition: `inline; filename="${cn.number}.pdf"`, length: buffer.length });
  }

  async pdf(p: Principal, id: string): Promise<StreamableFile> {
    const view = await this.invoices.get(p, id);
    const scope = scopeOf(p);
    const contract = await this.contracts.findInScope(scope, view.contractId);
    const parties = await this.parties.documentParties(scope, view.customerId);
    if (!parties) throw notFound('customer', view.customerId);
    const buffer = await renderInvoicePdf(view, { parties, contractName: contract.name, json: canonicalJson(view) });
    const name = view.number ?? `draft-${view.id}`;
    return new StreamableFile(buffer, { type: 'application/pdf', disposition: `inline; filename="${name}.pdf"`, length: buffer.length });
  }

  csv(p: Principal, period: string): StreamableFile {
    const rows = Readable.from(this.csvRows(p, period));
    const out = rows.pipe(stringify({ header: true, columns: [...CSV_COLUMNS], cast: { string: (v) => csvCell(v) } }));
    rows.on('error', (e) => out.destroy(e));
    return new StreamableFile(out, { type: 'text/csv; charset=utf-8', disposition: `attachment; filename="invoices-${period}.csv"` });
  }

  private async *csvRows(p: Principal, period: string): AsyncGenerator<Record<string, string>> {
    const scope = scopeOf(p);
    const batch = 500;
    let after: string | null = null;
    for (;;) {
      const rows = await this.repo.csvBatch(scope, period, after, batch);
      const names = await this.parties.customerNames(scope, [...new Set(rows.map((r) => r.customer_id as string))]);
      for (const r of rows) {
        const d = minorUnits(r.currency);
        const m = (v: string | null) => (v === null ? '' : new Money(v).toFixed(d));
        const due = r.total === null ? '' : Money.max(new Money(r.total).minus(r.paid).minus(r.credited), 0).toFixed(d);
        yield {
          number: r.number ?? '',
          status: r.status,
          invoice_id: r.id,
          contract_id: r.contract_id,
          customer_id: r.customer_id,
          customer_name: names.get(r.customer_id) ?? '',
          period: r.period_label,
          period_start: r.period_start,
          period_end: r.period_end,
          currency: r.currency,
          subtotal: m(r.subtotal),
          tax: m(r.tax),
          total: m(r.total),
          amount_paid: m(r.paid),
          amount_credited: m(r.credited),
          amount_due: r.status === 'draft' ? m(r.total) : due,
          finalized_at: r.finalized_at ? new Date(r.finalized_at).toISOString() : '',
          trace_digest: r.trace_digest ?? '',
        };
      }
      if (rows.length < batch) return;
      after = rows[rows.length - 1].id;
    }
  }
}

type Locale = 'zh-CN' | 'en';

/** Labels: bilingual on Chinese documents (the customary 中文 / English pairs), English otherwise. */
const LABELS = {
  title: ['商业发票', 'COMMERCIAL INVOICE'],
  draft: ['草稿', 'DRAFT'],
  notFapiao: ['本单据为商业发票，非增值税发票', 'This is a commercial invoice, not an official tax invoice (fapiao)'],
  number: ['发票号', 'Number'],
  issueDate: ['开票日期', 'Issue date'],
  dueDate: ['到期日', 'Due date'],
  terms: ['付款条件', 'Payment terms'],
  net: ['净', 'Net'],
  days: ['天', 'days'],
  po: ['采购订单号', 'PO / reference'],
  period: ['账期', 'Period'],
  contract: ['合同', 'Contract'],
  fapiao: ['增值税发票号', 'Tax invoice (fapiao) no.'],
  seller: ['销售方', 'Seller'],
  buyer: ['购买方', 'Buyer'],
  taxId: ['纳税人识别号', 'Tax id'],
  address: ['地址', 'Address'],
  bank: ['开户行及账号', 'Bank account'],
  contact: ['联系人', 'Contact'],
  description: ['项目', 'Description'],
  quantity: ['数量', 'Quantity'],
  unitPrice: ['单价', 'Unit price'],
  amount: ['金额', 'Amount'],
  subtotal: ['小计', 'Subtotal'],
  tax: ['税额', 'Tax'],
  total: ['合计', 'Total'],
  paid: ['已付', 'Paid'],
  credited: ['已贷记', 'Credited'],
  due: ['应付金额', 'Amount due'],
  inWords: ['大写金额', 'Amount in words'],
  page: ['页', 'Page'],
  of: ['/', 'of'],
  appendix: ['附录：计算过程（供审计）', 'Appendix: calculation trace (for auditors)'],
  overdue: ['已逾期', 'OVERDUE'],
} as const;

function label(locale: Locale, key: keyof typeof LABELS): string {
  const [zh, en] = LABELS[key];
  return locale === 'zh-CN' ? `${zh} ${en}` : en;
}

export interface InvoiceDocumentInput {
  parties: DocumentParties;
  contractName: string;
  /** The canonical JSON of the invoice (the API's answer), attached to the PDF/A-3 file as invoice.json. */
  json: string;
}

/**
 * Lays out one invoice as PDF/A-3b: seller and buyer in full, number, dates, PO and terms, lines
 * (the table breaks across pages with its header repeated), totals with the CNY amount in capital
 * numerals, page x of y, the calculation trace on an auditor appendix page, and the invoice's
 * machine-readable JSON embedded as the associated file `invoice.json` (the Factur-X idea).
 */
export function renderInvoicePdf(v: InvoiceView, input: InvoiceDocumentInput): Promise<Buffer> {
  const { parties } = input;
  const locale: Locale = parties.locale;
  const L = (k: keyof typeof LABELS) => label(locale, k);
  const seller = parties.seller.legalName ?? parties.seller.name;
  const buyer = parties.buyer.legalName ?? parties.buyer.name;
  return new Promise((resolve, reject) => {
    const doc = newArchivalPdf({ lang: locale, info: { Title: `Invoice ${v.number ?? 'draft'}`, Author: seller, Subject: `Commercial invoice for ${buyer}`, Producer: 'Outcome Ledger' }, tagged: false }, resolve, reject);
    const left = 50;
    const width = doc.page.width - 100;
    const bottom = doc.page.height - 70;
    const money = (x: string | null) => (x === null ? '-' : groupedAmount(x));

    // Factur-X idea: the file carries its own figures. PDF/A-3 allows the associated file.
    (doc as any).file(Buffer.from(input.json, 'utf8'), {
      name: 'invoice.json',
      type: 'application/json',
      description: 'The invoice as the API answers it (canonical JSON)',
      relationship: 'Data',
      creationDate: v.finalizedAt ? new Date(v.finalizedAt) : new Date(v.computedAt),
      modifiedDate: v.finalizedAt ? new Date(v.finalizedAt) : new Date(v.computedAt),
    });

    doc.font(FONT_BOLD).fontSize(18).fillColor('#000').text(`${v.status === 'draft' ? `${L('draft')} ` : ''}${L('title')}`, left, 45, { width });
    doc.font(FONT).fontSize(7.5).fillColor('#666').text(L('notFapiao'), left, doc.y + 1, { width });
    if (v.overdue) doc.font(FONT_BOLD).fontSize(9).fillColor('#b00').text(L('overdue'), left, doc.y + 2);

    // Header facts, left column.
    let y = doc.y + 10;
    const fact = (k: keyof typeof LABELS, value: string | null | undefined, x = left, w = 245) => {
      if (value === null || value === undefined || value === '') return;
      doc.font(FONT).fontSize(8.5).fillColor('#555').text(`${L(k)}: `, x, y, { width: w, continued: true }).fillColor('#000').text(value);
      y = doc.y + 2;
    };
    const factsTop = y;
    fact('number', v.number ?? '—');
    fact('issueDate', v.issueDate ? `${v.issueDate} (${v.timeZone})` : null);
    fact('dueDate', v.dueDate);
    fact('terms', v.paymentTermsDays !== null ? (locale === 'zh-CN' ? `${v.paymentTermsDays} 天 / Net ${v.paymentTermsDays} days` : `Net ${v.paymentTermsDays} days`) : null);
    fact('po', v.poReference);
    fact('period', `${v.period.label} (${v.period.start} – ${v.period.end}, end exclusive)`);
    fact('contract', input.contractName);
    fact('fapiao', v.taxInvoice ? `${v.taxInvoice.number} (${v.taxInvoice.issuedOn})` : null);
    const factsBottom = y;

    // Parties, right column: seller then buyer, every detail a finance team books.
    y = factsTop;
    const party = (k: 'seller' | 'buyer', p: DocumentParties['seller']) => {
      doc.font(FONT_BOLD).fontSize(9).fillColor('#000').text(L(k), 310, y, { width: 235 });
      doc.font(FONT).fontSize(8.5).text(p.legalName ?? p.name, 310, doc.y, { width: 235 });
      y = doc.y + 1;
      const line = (lk: keyof typeof LABELS, value: string | null) => {
        if (!value) return;
        doc.fontSize(7.5).fillColor('#555').text(`${L(lk)}: `, 310, y, { width: 235, continued: true }).fillColor('#000').text(value);
        y = doc.y + 1;
      };
      line('taxId', p.taxId);
      line('address', p.address);
      line('bank', p.bankAccount);
      line('contact', p.contact);
      y += 6;
    };
    party('seller', parties.seller);
    party('buyer', parties.buyer);
    y = Math.max(y, factsBottom) + 12;

    // Lines: money lines (value share) show their base, not a "quantity" of money.
    const cols = { desc: left, qty: 300, unit: 385, amount: 455 };
    const header = () => {
      doc.font(FONT_BOLD).fontSize(8).fillColor('#000');
      doc.text(L('description'), cols.desc, y, { width: 245 });
      doc.text(L('quantity'), cols.qty, y, { width: 80, align: 'right' });
      doc.text(L('unitPrice'), cols.unit, y, { width: 65, align: 'right' });
      doc.text(`${L('amount')} (${v.currency})`, cols.amount, y, { width: 90, align: 'right' });
      y = doc.y + 3;
      doc.moveTo(left, y).lineTo(left + width, y).strokeColor('#999').stroke();
      y += 4;
    };
    header();
    for (const l of v.lines) {
      const adj = l.adjustment ? ` [${l.adjustment.kind === 'late_verified' ? 'late verification' : 'reversal'} of ${l.adjustment.period.start}]` : '';
      const desc = `${l.description}${adj}`;
      doc.font(FONT).fontSize(8.5);
      const h = doc.heightOfString(desc, { width: 245 });
      if (y + h > bottom) {
        doc.addPage();
        y = 50;
        header();
        doc.font(FONT).fontSize(8.5);
      }
      // A value share's "quantity" is the money base and its unit price a rate: print them as such.
      const isRate = l.component === 'value_share' && l.unitPrice !== null;
      doc.fillColor('#000').text(desc, cols.desc, y, { width: 245 });
      doc.text(isRate ? money(l.quantity) : groupedAmount(l.quantity), cols.qty, y, { width: 80, align: 'right' });
      doc.text(l.unitPrice === null ? '' : isRate ? `${new Money(l.unitPrice).times(100).toFixed()}%` : groupedAmount(l.unitPrice), cols.unit, y, { width: 65, align: 'right' });
      doc.text(money(l.amount), cols.amount, y, { width: 90, align: 'right' });
      y += Math.max(h, 11) + 4;
    }
    if (v.lines.length === 0) {
      doc.font(FONT).fontSize(8.5).fillColor('#a00').text(v.refusal ? `Not priced: ${v.refusal.reason}` : 'No lines', cols.desc, y, { width });
      y = doc.y + 4;
    }
    if (y > bottom - 130) {
      doc.addPage();
      y = 50;
    }
    doc.moveTo(left, y).lineTo(left + width, y).strokeColor('#999').stroke();
    y += 6;

    const total = (k: keyof typeof LABELS, value: string | null, bold = false, suffix = '') => {
      doc.font(bold ? FONT_BOLD : FONT).fontSize(bold ? 10 : 8.5).fillColor('#000');
      doc.text(`${L(k)}${suffix}`, 250, y, { width: 200, align: 'right' });
      doc.text(money(value), cols.amount, y, { width: 90, align: 'right' });
      y += bold ? 15 : 12;
    };
    total('subtotal', v.subtotal);
    total('tax', v.tax, false, v.trace ? ` (${new Money(v.trace.tax.rate).times(100).toFixed()}%)` : '');
    total('total', v.total, true, ` ${v.currency}`);
    if (v.status !== 'draft') {
      total('paid', v.amountPaid);
      total('credited', v.amountCredited);
      total('due', v.amountDue, true, ` ${v.currency}`);
    }
    if (v.currency === 'CNY' && v.total !== null) {
      y += 4;
      doc.font(FONT).fontSize(9).fillColor('#000').text(`${L('inWords')}: 人民币${cnyCapitalNumerals(v.total)}`, left, y, { width });
      y = doc.y;
    }

    // The calculation trace is for auditors: its own appendix page, not the customer's first page.
    if (v.trace) {
      doc.addPage();
      doc.font(FONT_BOLD).fontSize(12).fillColor('#000').text(L('appendix'), left, 50, { width });
      doc.moveDown(0.5);
      doc.font(FONT).fontSize(7.5).fillColor('#333');
      for (const l of v.trace.lines) {
        const g = l.guarantee ? `; guarantee ${l.guarantee.kpi} ${l.guarantee.comparator} ${l.guarantee.threshold}: measured ${l.guarantee.measured ?? 'none'}, ${l.guarantee.result}, ${l.guarantee.effect}` : '';
        if (doc.y > bottom) doc.addPage();
        doc.text(`${l.key}: ${l.formula} = ${l.rounding.unrounded} → ${l.rounding.rounded} (${l.rounding.mode}, ${l.rounding.decimals} dp)${g}`, left, doc.y, { width });
        doc.moveDown(0.2);
      }
      doc.text(`Tax: ${v.trace.tax.rate} × ${v.trace.subtotal} = ${v.trace.tax.unrounded} → ${v.trace.tax.amount}`, left, doc.y, { width });
      doc.moveDown(0.5);
      doc.fillColor('#666').text(`Engine ${v.trace.engineVersion}; terms version ${v.termsVersionId ?? '-'}`, { width });
      doc.text(`Trace digest (SHA-256 of the canonical trace): ${v.traceDigest}`, { width });
      if (v.status !== 'draft') doc.text(`Reproduce: GET /v1/invoices/${v.id}/verify`, { width });
    }

    // Page x of y, once every page exists.
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      doc.page.margins.bottom = 0; // the footer sits in the margin: writing there must not open a page
      const text = locale === 'zh-CN' ? `第 ${i + 1} / ${range.count} 页  Page ${i + 1} of ${range.count}` : `Page ${i + 1} of ${range.count}`;
      doc.font(FONT).fontSize(7.5).fillColor('#666').text(`${v.number ?? 'draft'} · ${text}`, left, doc.page.height - 40, { width, align: 'right', lineBreak: false });
    }
    doc.end();
  });
}

/**
 * A credit note as PDF/A-3b: which invoice it corrects and why, seller and buyer, its lines and
 * totals (CNY in capital numerals), page x of y, and its JSON attached as `credit-note.json`.
 */
export function renderCreditNotePdf(cn: CreditNoteView, invoice: InvoiceView, input: InvoiceDocumentInput): Promise<Buffer> {
  const { parties } = input;
  const locale: Locale = parties.locale;
  const L = (k: keyof typeof LABELS) => label(locale, k);
  const zh = locale === 'zh-CN';
  return new Promise((resolve, reject) => {
    const doc = newArchivalPdf({ lang: locale, info: { Title: `Credit note ${cn.number}`, Author: parties.seller.legalName ?? parties.seller.name, Producer: 'Outcome Ledger' } }, resolve, reject);
    const left = 50;
    const width = doc.page.width - 100;
    (doc as any).file(Buffer.from(input.json, 'utf8'), {
      name: 'credit-note.json',
      type: 'application/json',
      description: 'The credit note as the API answers it (canonical JSON)',
      relationship: 'Data',
      creationDate: new Date(cn.createdAt),
      modifiedDate: new Date(cn.createdAt),
    });
    doc.font(FONT_BOLD).fontSize(18).fillColor('#000').text(zh ? '贷项通知单 CREDIT NOTE' : 'CREDIT NOTE', left, 45, { width });
    doc.font(FONT).fontSize(9).fillColor('#000').moveDown(0.5);
    const row = (k: string, v: string) => doc.font(FONT).fontSize(9).fillColor('#555').text(`${k}: `, left, doc.y, { width, continued: true }).fillColor('#000').text(v);
    row(zh ? '凭证号 Number' : 'Number', cn.number);
    row(zh ? '原发票 Corrects invoice' : 'Corrects invoice', `${invoice.number ?? invoice.id} (${invoice.period.label})`);
    row(zh ? '日期 Date' : 'Date', `${cn.createdAt} (UTC)`);
    row(zh ? '原因 Reason' : 'Reason', cn.reason);
    if (invoice.poReference) row(L('po'), invoice.poReference);
    for (const [k, p] of [['seller', parties.seller], ['buyer', parties.buyer]] as const) {
      doc.moveDown(0.4).font(FONT_BOLD).fontSize(9).text(L(k), left, doc.y, { width });
      doc.font(FONT).fontSize(8.5).text(p.legalName ?? p.name, { width });
      if (p.taxId) doc.text(`${L('taxId')}: ${p.taxId}`, { width });
      if (p.address) doc.text(`${L('address')}: ${p.address}`, { width });
    }
    doc.moveDown(0.8);
    const header = () => {
      const y = doc.y;
      doc.font(FONT_BOLD).fontSize(8.5).text(L('description'), left, y, { width: 360 });
      doc.text(`${L('amount')} (${invoice.currency})`, left + 365, y, { width: width - 365, align: 'right' });
      doc.moveTo(left, doc.y + 2).lineTo(left + width, doc.y + 2).strokeColor('#999').stroke();
      doc.moveDown(0.4);
    };
    header();
    for (const l of cn.lines) {
      if (doc.y > doc.page.height - 140) {
        doc.addPage();
        header();
      }
      const y = doc.y;
      doc.font(FONT).fontSize(8.5).fillColor('#000').text(l.description, left, y, { width: 360 });
      const after = doc.y;
      doc.text(groupedAmount(l.amount), left + 365, y, { width: width - 365, align: 'right' });
      doc.y = Math.max(after, doc.y) + 3;
    }
    doc.moveDown(0.5);
    for (const [k, v, bold] of [['subtotal', cn.subtotal, false], ['tax', cn.tax, false], ['total', cn.total, true]] as const) {
      const y = doc.y;
      doc.font(bold ? FONT_BOLD : FONT).fontSize(bold ? 10 : 8.5).text(`${L(k)}${bold ? ` ${invoice.currency}` : ''}`, left + 200, y, { width: 200, align: 'right' });
      doc.text(groupedAmount(v), left + 405, y, { width: width - 405, align: 'right' });
    }
    if (invoice.currency === 'CNY') doc.moveDown(0.5).font(FONT).fontSize(9).text(`${L('inWords')}: 人民币${cnyCapitalNumerals(cn.total)}`, left, doc.y, { width });
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      doc.page.margins.bottom = 0;
      const text = zh ? `第 ${i + 1} / ${range.count} 页  Page ${i + 1} of ${range.count}` : `Page ${i + 1} of ${range.count}`;
      doc.font(FONT).fontSize(7.5).fillColor('#666').text(`${cn.number} · ${text}`, left, doc.page.height - 40, { width, align: 'right', lineBreak: false });
    }
    doc.end();
  });
}
