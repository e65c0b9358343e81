// Spreadsheet formula injection: Excel, LibreOffice and Sheets run a cell that starts with
// = + - @ (or a tab/CR that hides one) as a formula. Every CSV the product writes passes its cells
// through `csvCell`, and whatever reads our CSVs back passes them through `csvCellValue`.
//
// Numbers stay as they are ("-12.50" is a negative amount, not a formula, and a spreadsheet reads
// it as a number), so money columns keep their sign. Anything else that starts with a dangerous
// character gets a leading apostrophe, which spreadsheets show as text; a value that already
// starts with an apostrophe gets one more, so the escape is reversible and unambiguous.

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

export function csvCell(value: string): string;
export function csvCell(value: string | null | undefined): string | null | undefined;
export function csvCell(value: string | null | undefined): string | null | undefined {
  if (value === null || value === undefined || value === '') return value;
  if (PLAIN_NUMBER.test(value)) return value;
  if (FORMULA_START.test(value) || value.startsWith("'")) return `'${value}`;
  return value;
}

/** The inverse of `csvCell`, for readers of our own CSVs (the offline verifier). */
export function csvCellValue(cell: string): string {
  return cell.startsWith("'") ? cell.slice(1) : cell;
}
