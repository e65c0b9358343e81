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
  sum('verified_confirmed', null, s.verifiedBy.confirmed);
  sum('verified_deemed', null, s.verifiedBy.deemed);
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
  const r = s.reconciliation;
  sum('invoiced_value', r.invoicedValue);
  sum('share_of_period', r.shareOfPeriod);
  sum('share_on_invoice', r.shareOnInvoice);
  sum('value_billed_to_date', r.valueBilledToDate);
  sum('share_billed_to_date', r.shareBilledToDate);
  sum('verified_or_disputed_value', r.verifiedOrDisputedValue);
  sum('not_yet_invoiced_value', r.notYetInvoicedValue);
  for (const [section, list] of [
    ['invoice_line', s.invoiceLines],
    ['later_adjustment', r.laterAdjustments],
  ] as const)
    for (const l of list) rows.push([section, `${l.invoiceNumber} ${l.key}`, l.amount, null, null, null, l.componentType, l.adjustsPeriod, l.adjustmentKind ?? l.kind, null, null, null]);
  for (const n of r.creditNotes) rows.push(['credit_note', `${n.number} ${n.reason}`, n.amount, null, null, null, null, n.createdAtLocal, null, null, null, null]);
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
      rows.push([section, null, o.value, null, o.id, o.externalId, o.type, o.occurredAt, o.status, o.verifiedAt, o.deemedAt ? 'deemed' : o.verifiedBy, o.evidenceSha256]);
  return stringify(rows, { cast: { string: (v) => csvCell(v) } });
}

export function roiCsv(r: RoiReportView): string {
  const rows: Array<Array<string | null>> = [['month', 'value', 'fees', 'net', 'cumulative_value', 'cumulative_fees', 'measured_value', 'estimated_value']];
  for (const m of r.months) rows.push([m.month, m.value, m.fees, m.net, m.cumulativeValue, m.cumulativeFees, m.measuredValue, m.estimatedValue]);
  rows.push(['total', r.value, r.fees, r.net, r.value, r.fees, r.measuredValue, r.estimatedValue]);
  return stringify(rows, { cast: { string: (v) => csvCell(v) } });
}

function render(build: (doc: PDFKit.PDFDocument) => void, footer?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = withCjkFonts(newPdfDocument({ size: 'A4', margin: 40, bufferPages: true, info: { Title: 'Outcome Ledger report', Producer: 'Outcome Ledger' } }));
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    build(doc);
    // Page x of y, once every page exists.
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      doc.page.margins.bottom = 0; // the footer sits in the margin: writing there must not open a page
      doc
        .font(FONT)
        .fontSize(7.5)
        .fillColor('#666666')
        .text(pdfText(`${footer ? `${footer} · ` : ''}Page ${i + 1} of ${range.count}`), 40, doc.page.height - 30, { width: doc.page.width - 80, align: 'right', lineBreak: false });
    }
    doc.end();
  });
}

/** A two-column table of label → figure, figures right-aligned. */
function figures(doc: PDFKit.PDFDocument, rows: Array<[string, string, boolean?]>, x = 40, width = 460): void {
  for (const [label, value, strong] of rows) {
    if (doc.y > doc.page.height - 70) doc.addPage();
    const y = doc.y;
    doc.font(strong ? FONT_BOLD : FONT).fontSize(10).fillColor('#222222');
    doc.text(pdfText(label), x, y, { width: width - 130 });
    doc.text(pdfText(grouped(value)), x + width - 130, y, { width: 130, align: 'right' });
    doc.moveDown(0.25);
  }
}

function heading(doc: PDFKit.PDFDocument, text: string): void {
  if (doc.y > doc.page.height - 110) doc.addPage(); // a heading never ends a page alone
  doc.moveDown(0.6).font(FONT_BOLD).fontSize(12).fillColor('#111111').text(pdfText(text), 40);
  doc.moveDown(0.3);
}

/** A table whose header row is repeated on every page it breaks onto. */
function table(doc: PDFKit.PDFDocument, head: string[], rows: string[][], widths: number[], alignRight: boolean[]): void {
  const bottom = doc.page.height - 60;
  const row = (cells: string[], bold: boolean) => {
    const y = doc.y;
    let x = 40;
    doc.font(bold ? FONT_BOLD : FONT).fontSize(8.5).fillColor('#222222');
    cells.forEach((c, i) => {
      doc.text(pdfText(alignRight[i] ? grouped(c) : c), x, y, { width: widths[i] - 4, height: 11, align: alignRight[i] ? 'right' : 'left', lineBreak: false, ellipsis: true });
      x += widths[i];
    });
    doc.y = y + 12;
  };
  const header = () => {
    row(head, true);
    doc.moveTo(40, doc.y - 2).lineTo(40 + widths.reduce((a, b) => a + b, 0), doc.y - 2).strokeColor('#999999').lineWidth(0.5).stroke();
  };
  if (doc.y > bottom - 24) doc.addPage();
  header();
  for (const r of rows) {
    if (doc.y > bottom) {
      doc.addPage();
      header();
    }
    row(r, false);
  }
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

/** `2026-04-01T09:15:00+08:00` → `2026-04-01 09:15` (the zone is named in the column header). */
const hm = (local: string | null): string => (local ?? '').slice(0, 16).replace('T', ' ');
/** The offset an ISO local time carries: `…+08:00` → `UTC+08:00`. */
const zoneOffset = (local: string): string => {
  const m = /([+-]\d{2}:\d{2}|Z)$/.exec(local);
  return m ? `UTC${m[1] === 'Z' ? '' : m[1]}` : 'UTC';
};
const minus = (v: string): string => (new Money(v).isZero() ? v : new Money(v).negated().toFixed(2));
const adjKind = (k: string | null): string => (k === 'late_verified' ? 'verified late' : k === 'reversal' ? 'reversed' : (k ?? ''));

export function statementPdf(s: StatementView): Promise<Buffer> {
  const r = s.reconciliation;
  const rate = s.shareRate === null ? '—' : s.shareRate.split(' / ').map((x) => `${new Money(x).times(100).toFixed()}%`).join(' / ');
  return render((doc) => {
    doc.font(FONT_BOLD).fontSize(16).text(pdfText(`Savings-share statement — ${s.period}`));
    doc.font(FONT).fontSize(9.5).fillColor('#444444');
    doc.text(pdfText(`${s.contractName}`));
    doc.text(pdfText(`Vendor: ${s.vendorName}`));
    doc.text(pdfText(`Customer: ${s.customerName}   ·   Currency: ${s.currency}   ·   Period ${s.periodStart} to ${s.periodEnd} (exclusive, ${s.timezone})`));
    doc.text(pdfText(`Times are local to ${s.timezone} (${zoneOffset(s.generatedAtLocal)}); the JSON statement also gives each instant in UTC.`));
    doc.text(
      pdfText(
        `Invoice: ${s.invoiceNumber ?? '—'} (${s.invoiceStatus}${s.invoiceStatus === 'draft' ? ': figures may still change' : ''})   ·   Generated ${hm(s.generatedAtLocal)} (${s.timezone})`,
      ),
    );
    heading(doc, 'This period');
    figures(doc, [
      [`Verified value (${s.valueOutcomeTypes.join(', ') || 'no value outcome type'})`, s.verifiedValue, true],
      ['Share rate', rate],
      ['Fees: flat part', s.fees.flat],
      ['Fees: share part (explained below)', s.fees.share],
      ['Fees: other lines', s.fees.other],
      ['Credit notes', minus(s.fees.credited)],
      ['Fees (before tax)', s.fees.net, true],
      ['Net benefit (value − fees)', s.netBenefit, true],
      ['ROI ((value − fees) ÷ fees)', pct(s.roiPercent), true],
      ['Tax on the invoice (not in fees)', s.tax],
    ]);
    if (s.invoiceLines.length) {
      heading(doc, `Lines of invoice ${s.invoiceNumber ?? '(draft)'}: fees above are their sums`);
      table(
        doc,
        ['Line', 'Kind', 'Corrects', 'Quantity / value', 'Amount'],
        s.invoiceLines.map((l) => [l.description, l.kind === 'adjustment' ? adjKind(l.adjustmentKind) : l.componentType, l.adjustsPeriod ?? '', l.quantity, l.amount]),
        [215, 80, 55, 85, 80],
        [false, false, false, true, true],
      );
    }
    if (s.shareRate !== null) {
      heading(doc, 'How the share adds up');
      figures(doc, [
        [`Value billed for ${s.period} on this invoice`, r.invoicedValue],
        [`× ${rate}: share of ${s.period}`, r.shareOfPeriod],
        ...r.carriedAdjustments
          .filter((a) => a.componentType === 'value_share')
          .map((a): [string, string] => [`+ ${a.adjustsPeriod} ${adjKind(a.adjustmentKind)} (value ${grouped(a.quantity)})`, a.amount]),
        ['= Share on this invoice', r.shareOnInvoice, true],
      ]);
      heading(doc, `${s.period} corrected on later invoices`);
      if (r.laterAdjustments.length === 0) doc.font(FONT).fontSize(9).fillColor('#222222').text('None so far.', 40).moveDown(0.4);
      else
        table(
          doc,
          ['Carried by invoice', 'Its period', 'Change', 'Value', 'Amount'],
          r.laterAdjustments.map((a) => [a.invoiceNumber, a.invoicePeriod, adjKind(a.adjustmentKind), a.quantity, a.amount]),
          [130, 70, 100, 105, 110],
          [false, false, false, true, true],
        );
      doc.moveDown(0.4);
      figures(doc, [
        [`Value billed for ${s.period} to date`, r.valueBilledToDate, true],
        [`Share billed for ${s.period} to date`, r.shareBilledToDate, true],
        ['Verified or in dispute now', r.verifiedOrDisputedValue],
        ['Not invoiced yet (adjusted on the next invoice)', r.notYetInvoicedValue],
      ]);
    }
    if (r.creditNotes.length) {
      heading(doc, 'Credit notes against this invoice');
      table(
        doc,
        ['Credit note', 'Issued (local)', 'Reason', 'Of which share', 'Amount'],
        r.creditNotes.map((n) => [n.number, hm(n.createdAtLocal), n.reason, n.share, n.amount]),
        [105, 85, 150, 85, 90],
        [false, false, false, true, true],
      );
    }
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
    const pendingShown = s.pendingOutcomes.slice(0, 200);
    if (pendingShown.length)
      table(
        doc,
        ['External id', 'Type', 'Occurred (local)', 'Status', 'Value'],
        pendingShown.map((o) => [o.externalId, o.type, hm(o.occurredAtLocal), o.status === 'recorded' ? 'awaiting verification' : o.status, o.value]),
        [140, 80, 110, 110, 75],
        [false, false, false, false, true],
      );
    heading(doc, `Verified outcomes (${s.verifiedOutcomeCount}: ${s.verifiedBy.confirmed} confirmed, ${s.verifiedBy.deemed} deemed accepted)`);
    const shown = s.verifiedOutcomes.slice(0, 200);
    table(
      doc,
      ['External id', 'Type', 'Occurred (local)', 'Verified (local)', 'By', 'Value'],
      shown.map((o) => [o.externalId, o.type, hm(o.occurredAtLocal), hm(o.verifiedAtLocal), o.deemedAt ? 'deemed' : (o.verifiedBy ?? ''), o.value]),
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
  }, `Statement ${s.period} · ${s.contractName}`);
}

export function roiPdf(r: RoiReportView): Promise<Buffer> {
  return render((doc) => {
    const who = r.scope === 'contract' ? r.contractName! : `${r.customerName} — all contracts in ${r.currency}`;
    doc.font(FONT_BOLD).fontSize(16).text(pdfText(`ROI report — ${r.from} to ${r.to}`));
    doc.font(FONT).fontSize(9.5).fillColor('#444444');
    doc.text(pdfText(who));
    doc.text(pdfText(`Customer: ${r.customerName}   ·   Currency: ${r.currency}   ·   Generated ${r.generatedAt}`));
    heading(doc, 'Summary');
    const noBasis = !r.valueBasisDeclared;
    figures(doc, [
      ['Measured value (verified outcomes’ own value)', noBasis ? '—' : r.measuredValue],
      ['Estimated value (agreed estimates, see below)', noBasis ? '—' : r.estimatedValue],
      [`Value delivered${r.valueKind ? ` (${r.valueKind})` : ''}`, noBasis ? 'no value basis declared' : r.value, true],
      ['Fees invoiced (before tax, net of credit notes)', r.fees, true],
      ['Net benefit', noBasis ? '—' : r.net, true],
      [
        `ROI ((value − fees) ÷ fees)${r.valueKind === 'measured and estimated' || r.valueKind === 'estimated' ? ', including estimates' : ''}`,
        noBasis ? 'n/a: no value basis' : pct(r.roiPercent),
        true,
      ],
      ...(r.valueKind === 'measured and estimated' ? [['ROI on measured value only', pct(r.measuredRoiPercent)] as [string, string]] : []),
      ['Payback month', r.paybackMonth ?? 'not reached'],
      ['Guarantees met / missed', `${r.guaranteeHits} / ${r.guaranteeMisses}`],
    ]);
    if (noBasis) {
      // Without a basis there is no value to chart against the fees: show what was invoiced only.
      heading(doc, 'Fees per month');
      table(doc, ['Month', 'Fees', 'Cumulative fees'], r.months.map((m) => [m.month, m.fees, m.cumulativeFees]), [80, 120, 120], [false, true, true]);
    } else {
      doc.moveDown(0.6);
      const top = doc.y;
      SVGtoPDF(doc, roiChartSvg(r.months, r.currency, 'Value delivered vs fees, per month'), 40, top, { width: CHART.width, height: CHART.height, assumePt: true });
      doc.y = top + CHART.height + 8;
      doc.x = 40;
      heading(doc, 'Monthly series');
      table(
        doc,
        ['Month', 'Measured', 'Estimated', 'Fees', 'Net', 'Cum. value', 'Cum. fees'],
        r.months.map((m) => [m.month, m.measuredValue, m.estimatedValue, m.fees, m.net, m.cumulativeValue, m.cumulativeFees]),
        [50, 75, 75, 75, 75, 82, 82],
        [false, true, true, true, true, true, true],
      );
    }
    if (r.acceptance.length) {
      heading(doc, 'Acceptance (verified ÷ (verified + rejected))');
      table(
        doc,
        ['Outcome type', 'Verified', 'of them deemed', 'Rejected', 'Rate'],
        r.acceptance.map((a) => [a.outcomeType, String(a.verified), String(a.deemed), String(a.rejected), a.rate === null ? '—' : `${a.rate} (${pctOf(a.rate)})`]),
        [140, 75, 85, 75, 110],
        [false, true, true, true, true],
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
    heading(doc, 'How value is counted (value basis)');
    doc.font(FONT).fontSize(8.5).fillColor('#222222');
    if (!r.valueBasisDeclared) doc.text('No value basis declared: the report states no value and no ROI rather than -100%.', 40);
    for (const v of r.valueBasisVersions) {
      doc.font(FONT_BOLD).text(pdfText(`From ${v.effectiveFrom} (${v.source === 'declared' ? 'declared value basis' : 'implied by the terms'})${v.description ? `: ${v.description}` : ''}`), 40);
      doc.font(FONT);
      for (const i of v.items) doc.text(pdfText(`- ${i.text}`), 48);
    }
  });
}

function pctOf(rate: string): string {
  return `${new Money(rate).times(100).toFixed(2)}%`;
}
