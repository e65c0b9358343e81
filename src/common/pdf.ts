// pdfkit and its font engine take ~20 MB of memory once loaded: load them with the first PDF a
// process renders, not at start (most processes, and every streaming export, never render one).
let PdfDocumentClass: typeof import('pdfkit') | undefined;

export function newPdfDocument(options?: PDFKit.PDFDocumentOptions): PDFKit.PDFDocument {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  PdfDocumentClass ??= require('pdfkit') as typeof import('pdfkit');
  return new PdfDocumentClass(options);
}
