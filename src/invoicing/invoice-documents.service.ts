import { Injectable, StreamableFile } from '@nestjs/common';
import { stringify } from 'csv-stringify';
import { csvCell } from '../kernel/csv-cell';
import { newPdfDocument } from '../common/pdf';
import { Readable } from 'node:stream';
import type { Principal } from '../auth/principal';
import { scopeOf } from '../auth/scope';
import { Money } from '../common/money';
import { ContractsService } from '../contracts/contracts.service';
import { PartyNamesReads } from '../parties/documents.reads';
import { minorUnits } from '../pricing/currency';
import { InvoiceView } from './dto/invoice.dto';
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
  ) {}

  async pdf(p: Principal, id: string): Promise<StreamableFile> {
    const view = await this.invoices.get(p, id);
    const scope = scopeOf(p);
    const contract = await this.contracts.findInScope(scope, view.contractId);
    const names = {
      vendor: (await this.parties.vendorName(scope)) ?? '',
      customer: (await this.parties.customerNames(scope, [view.customerId])).get(view.customerId) ?? '',
      contract: contract.name,
    };
    const buffer = await renderInvoicePdf(view, names);
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

/** Lays out one invoice: parties, number and period, lines, totals, and a summary of the calculation trace. */
export function renderInvoicePdf(v: InvoiceView, names: { vendor: string; customer: string; contract: string }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = newPdfDocument({ size: 'A4', margin: 50, info: { Title: `Invoice ${v.number ?? 'draft'}`, Author: names.vendor } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    const t = (s: string) => pdfText(s);
    const left = 50;
    const width = doc.page.width - 100;

    doc.font('Helvetica-Bold').fontSize(20).text(v.status === 'draft' ? 'DRAFT INVOICE' : 'INVOICE', left, 50);
    doc.font('Helvetica').fontSize(10).fillColor('#444');
    doc.text(t(`Number: ${v.number ?? '(assigned at finalization)'}`), left, 80);
    doc.text(t(`Status: ${v.status}`));
    doc.text(t(`Period: ${v.period.label} (${v.period.start} to ${v.period.end}, end exclusive)`));
    doc.text(t(`Currency: ${v.currency}`));
    if (v.finalizedAt) doc.text(t(`Issued: ${v.finalizedAt}`));

    const partiesTop = 80;
    doc.font('Helvetica-Bold').fillColor('#000').text('From', 330, partiesTop);
    doc.font('Helvetica').text(t(names.vendor), 330, partiesTop + 13, { width: 215 });
    doc.font('Helvetica-Bold').text('Bill to', 330, doc.y + 6);
    doc.font('Helvetica').text(t(names.customer), 330, doc.y, { width: 215 });
    doc.fillColor('#666').fontSize(8).text(t(`Contract: ${names.contract}`), 330, doc.y + 2, { width: 215 });

    // Lines
    let y = Math.max(doc.y, 165) + 20;
    const cols = { desc: left, qty: 330, unit: 405, amount: 470 };
    const header = () => {
      doc.font('Helvetica-Bold').fontSize(9).fillColor('#000');
      doc.text('Description', cols.desc, y, { width: 275 });
      doc.text('Quantity', cols.qty, y, { width: 70, align: 'right' });
      doc.text('Unit price', cols.unit, y, { width: 60, align: 'right' });
      doc.text('Amount', cols.amount, y, { width: 75, align: 'right' });
      y += 14;
      doc.moveTo(left, y).lineTo(left + width, y).strokeColor('#999').stroke();
      y += 5;
    };
    header();
    doc.font('Helvetica').fontSize(9);
    for (const l of v.lines) {
      const desc = t(`${l.description}${l.adjustment ? ` [adjustment: ${l.adjustment.kind.replace('_', ' ')}, ${l.adjustment.period.start}]` : ''}`);
      const h = doc.heightOfString(desc, { width: 275 });
      if (y + h > doc.page.height - 120) {
        doc.addPage();
        y = 50;
        header();
        doc.font('Helvetica').fontSize(9);
      }
      doc.fillColor('#000').text(desc, cols.desc, y, { width: 275 });
      doc.text(t(l.quantity), cols.qty, y, { width: 70, align: 'right' });
      doc.text(t(l.unitPrice ?? ''), cols.unit, y, { width: 60, align: 'right' });
      doc.text(t(l.amount), cols.amount, y, { width: 75, align: 'right' });
      y += Math.max(h, 11) + 5;
    }
    if (v.lines.length === 0) {
      doc.fillColor('#a00').text(t(v.refusal ? `Not priced: ${v.refusal.reason}` : 'No lines'), cols.desc, y, { width: width });
      y += 16;
    }
    doc.moveTo(left, y).lineTo(left + width, y).strokeColor('#999').stroke();
    y += 8;

    // Totals
    const total = (label: string, value: string | null, bold = false) => {
      doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(bold ? 11 : 9).fillColor('#000');
      doc.text(label, 330, y, { width: 135, align: 'right' });
      doc.text(value ?? '-', cols.amount, y, { width: 75, align: 'right' });
      y += bold ? 16 : 13;
    };
    total('Subtotal', v.subtotal);
    total(`Tax${v.trace ? ` (${new Money(v.trace.tax.rate).times(100).toFixed()}%)` : ''}`, v.tax);
    total(`Total ${v.currency}`, v.total, true);
    if (v.status !== 'draft') {
      total('Paid', v.amountPaid);
      total('Credited', v.amountCredited);
      total('Amount due', v.amountDue, true);
    }

    // Trace summary: enough to recompute each line by hand.
    if (v.trace) {
      y += 12;
      if (y > doc.page.height - 160) {
        doc.addPage();
        y = 50;
      }
      doc.font('Helvetica-Bold').fontSize(10).fillColor('#000').text('Calculation', left, y);
      y = doc.y + 4;
      doc.font('Helvetica').fontSize(8).fillColor('#333');
      for (const l of v.trace.lines) {
        const g = l.guarantee ? `; guarantee ${l.guarantee.kpi} ${l.guarantee.comparator} ${l.guarantee.threshold}: measured ${l.guarantee.measured ?? 'none'}, ${l.guarantee.result}, ${l.guarantee.effect}` : '';
        const line = t(`${l.key}: ${l.formula} = ${l.rounding.unrounded} -> ${l.rounding.rounded} (${l.rounding.mode}, ${l.rounding.decimals} dp)${g}`);
        if (doc.y > doc.page.height - 80) doc.addPage();
        doc.text(line, left, undefined, { width });
        doc.moveDown(0.2);
      }
      doc.text(t(`Tax: ${v.trace.tax.rate} x ${v.trace.subtotal} = ${v.trace.tax.unrounded} -> ${v.trace.tax.amount}`), left, undefined, { width });
      doc.moveDown(0.5);
      doc.fillColor('#666').text(t(`Engine ${v.trace.engineVersion}; terms version ${v.termsVersionId ?? '-'}`), { width });
      doc.text(t(`Trace digest (SHA-256 of the canonical trace): ${v.traceDigest}`), { width });
      if (v.status !== 'draft') doc.text(t(`Reproduce: GET /v1/invoices/${v.id}/verify`), { width });
    }
    doc.end();
  });
}
