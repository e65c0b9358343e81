// pdfkit and its font engine take ~20 MB of memory once loaded: load them with the first PDF a
// process renders, not at start (most processes, and every streaming export, never render one).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let PdfDocumentClass: typeof import('pdfkit') | undefined;

export function newPdfDocument(options?: PDFKit.PDFDocumentOptions): PDFKit.PDFDocument {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  PdfDocumentClass ??= require('pdfkit') as typeof import('pdfkit');
  return new PdfDocumentClass(options);
}

/** Font names registered by `withCjkFonts`: Noto Sans Hans covers Latin and Simplified Chinese. */
export const FONT = 'NotoSans';
export const FONT_BOLD = 'NotoSans-Bold';

let cjkFonts: { regular: Buffer; bold: Buffer } | undefined;

/**
 * Registers Noto Sans Hans (from @embedpdf/fonts-sc) on a document. pdfkit embeds only the glyphs
 * a document uses (a subset), so a one-page invoice stays small although the font files are 8 MB;
 * the files are read once per process.
 */
export function withCjkFonts(doc: PDFKit.PDFDocument): PDFKit.PDFDocument {
  if (!cjkFonts) {
    const dir = join(dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts');
    cjkFonts = { regular: readFileSync(join(dir, 'NotoSansHans-Regular.otf')), bold: readFileSync(join(dir, 'NotoSansHans-Bold.otf')) };
  }
  doc.registerFont(FONT, cjkFonts.regular);
  doc.registerFont(FONT_BOLD, cjkFonts.bold);
  return doc.font(FONT);
}

/**
 * A4 PDF/A-3b with the CJK fonts registered, whose bytes go to `resolve` once `doc.end()` is called
 * (invoices and credit notes: archival documents that carry their JSON as an associated file).
 */
export function newArchivalPdf(
  meta: { lang: string; info: PDFKit.DocumentInfo; tagged?: boolean },
  resolve: (bytes: Buffer) => void,
  reject: (e: unknown) => void,
): PDFKit.PDFDocument {
  const doc = newPdfDocument({
    size: 'A4',
    margin: 50,
    pdfVersion: '1.7',
    subset: 'PDF/A-3b',
    bufferPages: true,
    ...meta,
  } as PDFKit.PDFDocumentOptions);
  withCjkFonts(doc);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  doc.on('end', () => resolve(Buffer.concat(chunks)));
  doc.on('error', reject);
  return doc;
}

/** "1234567.8" → "1,234,567.8": grouping for people, the figure itself unchanged. */
export function groupedAmount(v: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(v);
  if (!m) return v;
  return `${m[1]}${m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}`;
}
