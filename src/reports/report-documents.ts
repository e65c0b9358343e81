// Statements and ROI reports as CSV and PDF. The PDF's chart is the same SVG the report serves,
// drawn into the page with svg-to-pdfkit.
import { stringify } from 'csv-stringify/sync';
import { csvCell } from '../kernel/csv-cell';
import { FONT, FONT_BOLD, newPdfDocument, withCjkFonts } from '../common/pdf';

/** Noto Sans Hans prints Chinese names as they are; only a few math signs are spelled out. */
const pdfText = (s: string): string => s.replace(/\u2212/g, '-').replace(/\u2264/g, '<=').replace(/\u2265/g, '>=');
import { Money } from '../common/money';
import type { RoiReportView, StatementView } from './dto/reports.dto';
import { CHART, roiChartSvg } from './roi-chart';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const SVGtoPDF: (doc: PDFKit.PDFDocument, svg: string, x: number, y: number, opts?: Record<string, unknown>) => void = require('svg-to-pdfkit');

export function statementCsv(s: StatementView): string {
  const rows: Array<Array<string | number | null>> = [
    ['section', 'item', 'amount', 'count', 'id', 'external_id', 'type', 'occurred_at', 'status', 'verified_at', 'verified_by', 'evidence_sha256'],
  ];
  const sum = (item: string, amount: string | null, count: number | null = null) => rows.push(['summary', item, amount, count, null, null, null, null, null, null, null, null]);
  sum('period', s.period);
  sum('currency', s.currency);
  sum('invoice_status', s.invoiceStatus);
  sum('invoice_number', s.invoiceNumber);
  sum('share_rate', s.shareRate);
  sum('verified_value', s.verifiedValue, s.verifiedOutcomeCount);
  sum('fees_flat', s.fees.flat);
  sum('fees_share', s.fees.share);
  sum('fees_other', s.fees.other);
  sum('fees_credited', s.fees.credited);
  sum('fees_net', s.fees.net);
  sum('tax', s.tax);
  sum('net_benefit', s.netBenefit);
  sum('roi_percent', s.roiPercent);
  sum('ytd_verified_value', s.yearToDate.verifiedValue);
  sum('ytd_fees', s.yearToDate.fees);
  sum('ytd_net_benefit', s.yearToDate.netBenefit);
  sum('ytd_roi_percent', s.yearToDate.roiPercent);
  sum('awaiting_verification', s.awaitingVerification.value, s.awaitingVerification.count);
  sum('in_dispute', s.inDispute.value, s.inDispute.count);
  sum('ledger_checkpoint_sequence', s.ledgerCheckpoint.sequence);
  sum('ledger_checkpoint_hash', s.ledgerCheckpoint.hash);
  sum('ledger_checkpoint_signed_at', s.ledgerCheckpoint.signedAt);
  sum('ledger_checkpoint_signature', s.ledgerCheckpoint.signature);
  for (const [section, list] of [
    ['verified_outcome', s.verifiedOutcomes],
    ['pending_outcome', s.pendingOutcomes],
  ] as const)
    for (const o of list)
      rows.push([section, null, o.value, null, o.id, o.externalId, o.type, o.occurredAt, o.status, o.verifiedAt, o.verifiedBy, o.evidenceSha256]);
  return stringify(rows, { cast: { string: (v) => csvCell(v) } });
}

export function roiCsv(r: RoiReportView): string {
  const rows: Array<Array<string | null>> = [['month', 'value', 'fees', 'net', 'cumulative_value', 'cumulative_fees']];
  for (const m of r.months) rows.push([m.month, m.value, m.fees, m.net, m.cumulativeValue, m.cumulativeFees]);
  rows.push(['total', r.value, r.fees, r.net, r.value, r.fees]);
  return stringify(rows, { cast: { string: (v) => csvCell(v) } });
}

function render(build: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = withCjkFonts(newPdfDocument({ size: 'A4', margin: 40, info: { Title: 'Outcome Ledger report', Producer: 'Outcome Ledger' } }));
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    build(doc);
    doc.end();
  });
}

/** A two-column table of label → figure, figures right-aligned. */
function figures(doc: PDFKit.PDFDocument, rows: Array<[string, string, boolean?]>, x = 40, width = 460): void {
  for (const [label, value, strong] of rows) {
    const y = doc.y;
    doc.font(strong ? FONT_BOLD : FONT).fontSize(10).fillColor('#222222');
    doc.text(pdfText(label), x, y, { width: width - 130 });
    doc.text(pdfText(grouped(value)), x + width - 130, y, { width: 130, align: 'right' });
    doc.moveDown(0.25);
  }
}

function heading(doc: PDFKit.PDFDocument, text: string): void {
  doc.moveDown(0.6).font(FONT_BOLD).fontSize(12).fillColor('#111111').text(pdfText(text), 40);
  doc.moveDown(0.3);
}

function table(doc: PDFKit.PDFDocument, head: string[], rows: string[][], widths: number[], alignRight: boolean[]): void {
  const row = (cells: string[], bold: boolean) => {
    if (doc.y > 780) doc.addPage();
    const y = doc.y;
    let x = 40;
    doc.font(bold ? FONT_BOLD : FONT).fontSize(8.5).fillColor('#222222');
    cells.forEach((c, i) => {
      doc.text(pdfText(alignRight[i] ? grouped(c) : c), x, y, { width: widths[i] - 4, align: alignRight[i] ? 'right' : 'left', lineBreak: false, ellipsis: true });
      x += widths[i];
    });
    doc.y = y + 12;
  };
  row(head, true);
  doc.moveTo(40, doc.y - 2).lineTo(40 + widths.reduce((a, b) => a + b, 0), doc.y - 2).strokeColor('#999999').lineWidth(0.5).stroke();
  for (const r of rows) row(r, false);
  doc.x = 40;
}

/** 1250000.00 → 1,250,000.00 in documents people read (CSV and JSON keep plain decimals). */
export function grouped(v: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(v);
  if (!m) return v;
  return `${m[1]}${m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}`;
}

function pct(v: string | null): string {
  return v === null ? 'n/a (no fees)' : `${v}%`;
}

export function statementPdf(s: StatementView): Promise<Buffer> {
  return render((doc) => {
    doc.font(FONT_BOLD).fontSize(16).text(pdfText(`Savings-share statement — ${s.period}`));
    doc.font(FONT).fontSize(9.5).fillColor('#444444');
    doc.text(pdfText(`${s.contractName}`));
    doc.text(pdfText(`Vendor: ${s.vendorName}`));
    doc.text(pdfText(`Customer: ${s.customerName}   ·   Currency: ${s.currency}   ·   Period ${s.periodStart} to ${s.periodEnd} (exclusive, ${s.timezone})`));
    doc.text(
      pdfText(
        `Invoice: ${s.invoiceNumber ?? '—'} (${s.invoiceStatus}${s.invoiceStatus === 'draft' ? ': figures may still change' : ''})   ·   Generated ${s.generatedAt} (UTC)`,
      ),
    );
    heading(doc, 'This period');
    figures(doc, [
      [`Verified value (${s.valueOutcomeTypes.join(', ') || 'no value outcome type'})`, s.verifiedValue, true],
      ['Share rate', s.shareRate === null ? '—' : s.shareRate.split(' / ').map((r) => `${new Money(r).times(100).toFixed()}%`).join(' / ')],
      ['Fees: flat part', s.fees.flat],
      ['Fees: share part', s.fees.share],
      ['Fees: other lines', s.fees.other],
      ['Credit notes', s.fees.credited === '0.00' ? s.fees.credited : `-${s.fees.credited}`],
      ['Fees (before tax)', s.fees.net, true],
      ['Net benefit (value − fees)', s.netBenefit, true],
      ['ROI ((value − fees) ÷ fees)', pct(s.roiPercent), true],
      ['Tax on the invoice (not in fees)', s.tax],
    ]);
    heading(doc, `Year to date (${s.yearToDate.from} to ${s.yearToDate.to})`);
    figures(doc, [
      ['Verified value', s.yearToDate.verifiedValue],
      ['Fees (before tax, net of credit notes)', s.yearToDate.fees],
      ['Net benefit', s.yearToDate.netBenefit, true],
      ['ROI', pct(s.yearToDate.roiPercent), true],
    ]);
    heading(doc, 'Not yet counted');
    figures(doc, [
      [`Awaiting verification (${s.awaitingVerification.count})`, s.awaitingVerification.value],
      [`In dispute (${s.inDispute.count})`, s.inDispute.value],
    ]);
    heading(doc, `Verified outcomes (${s.verifiedOutcomeCount})`);
    const shown = s.verifiedOutcomes.slice(0, 40);
    table(
      doc,
      ['External id', 'Type', 'Occurred (UTC)', 'Verified (UTC)', 'By', 'Value'],
      shown.map((o) => [o.externalId, o.type, o.occurredAt.slice(0, 16).replace('T', ' '), (o.verifiedAt ?? '').slice(0, 16).replace('T', ' '), o.verifiedBy ?? '', o.value]),
      [120, 70, 85, 85, 60, 95],
      [false, false, false, false, false, true],
    );
    if (s.verifiedOutcomeCount > shown.length)
      doc.moveDown(0.3).font(FONT).fontSize(8.5).text(pdfText(`… and ${s.verifiedOutcomeCount - shown.length} more: see the CSV or JSON statement.`));
    doc
      .moveDown(1)
      .font(FONT)
      .fontSize(8)
      .fillColor('#666666')
      .text(
        pdfText(
          'Every figure can be re-checked without trusting the vendor: the evidence bundle (GET /v1/contracts/:id/evidence) holds the outcomes, ' +
            'their verification history, the terms and the invoices, signed by the vendor; `npx @outcome-ledger/verify bundle.zip --public-key vendor.pem` recomputes them offline.',
        ),
        40,
      );
    const cp = s.ledgerCheckpoint;
    doc
      .moveDown(0.5)
      .text(
        pdfText(
          `Ledger checkpoint, signed by the vendor (Ed25519, key ${cp.publicKeyFingerprint.slice(0, 16)}…) at ${cp.signedAt}: journal entry ${cp.sequence}, ` +
            `hash ${cp.hash}. Keep this statement: POST /v1/ledger/verify with the checkpoint (JSON statement, field ledgerCheckpoint), or ` +
            '`--checkpoint` to the verifier, proves later that the vendor’s books still extend it — that no earlier entry was rewritten.',
        ),
        40,
      )
      .font(FONT)
      .fontSize(6)
      .text(pdfText(`signature ${cp.signature}`), 40);
  });
}

export function roiPdf(r: RoiReportView): Promise<Buffer> {
  return render((doc) => {
    const who = r.scope === 'contract' ? r.contractName! : `${r.customerName} — all contracts in ${r.currency}`;
    doc.font(FONT_BOLD).fontSize(16).text(pdfText(`ROI report — ${r.from} to ${r.to}`));
    doc.font(FONT).fontSize(9.5).fillColor('#444444');
    doc.text(pdfText(who));
    doc.text(pdfText(`Customer: ${r.customerName}   ·   Currency: ${r.currency}   ·   Generated ${r.generatedAt}`));
    heading(doc, 'Summary');
    figures(doc, [
      ['Value delivered (verified)', r.value, true],
      ['Fees invoiced (before tax, net of credit notes)', r.fees, true],
      ['Net benefit', r.net, true],
      ['ROI ((value − fees) ÷ fees)', pct(r.roiPercent), true],
      ['Payback month', r.paybackMonth ?? 'not reached'],
      ['Guarantees met / missed', `${r.guaranteeHits} / ${r.guaranteeMisses}`],
    ]);
    doc.moveDown(0.6);
    const top = doc.y;
    SVGtoPDF(doc, roiChartSvg(r.months, r.currency, 'Value delivered vs fees, per month'), 40, top, { width: CHART.width, height: CHART.height, assumePt: true });
    doc.y = top + CHART.height + 8;
    doc.x = 40;
    heading(doc, 'Monthly series');
    table(
      doc,
      ['Month', 'Value', 'Fees', 'Net', 'Cumulative value', 'Cumulative fees'],
      r.months.map((m) => [m.month, m.value, m.fees, m.net, m.cumulativeValue, m.cumulativeFees]),
      [60, 90, 90, 90, 92, 92],
      [false, true, true, true, true, true],
    );
    if (r.acceptance.length) {
      heading(doc, 'Acceptance (verified ÷ (verified + rejected))');
      table(
        doc,
        ['Outcome type', 'Verified', 'Rejected', 'Rate'],
        r.acceptance.map((a) => [a.outcomeType, String(a.verified), String(a.rejected), a.rate === null ? '—' : `${a.rate} (${pctOf(a.rate)})`]),
        [160, 90, 90, 120],
        [false, true, true, true],
      );
    }
    if (r.guarantees.length) {
      heading(doc, 'Guarantees');
      table(
        doc,
        ['Period', 'Invoice', 'KPI', 'Rule', 'Measured', 'Result'],
        r.guarantees.map((g) => [g.period, g.invoiceNumber, g.kpi, `${g.comparator} ${g.threshold}`, g.measured ?? '—', g.result]),
        [55, 95, 130, 65, 65, 80],
        [false, false, false, false, true, false],
      );
    }
    heading(doc, 'How value is counted');
    doc.font(FONT).fontSize(8.5).fillColor('#222222');
    for (const b of r.valueBasis) doc.text(pdfText(`- ${b}`), 40);
  });
}

function pctOf(rate: string): string {
  return `${new Money(rate).times(100).toFixed(2)}%`;
}
