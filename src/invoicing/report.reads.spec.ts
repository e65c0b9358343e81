import { FIXED, sqlPerScope, sqlRecorder } from '../../test/support/sql-recorder';
import { InvoiceReportReads } from './report.reads';

describe('the SQL of InvoiceReportReads (the reports’ reads of invoices and credit notes)', () => {
  const rec = sqlRecorder();
  const reads = new InvoiceReportReads(rec.db);
  const ids = FIXED.contractIds;

  it('reads a statement’s invoice, issued only for a customer', async () => {
    expect(await sqlPerScope(rec, (s) => reads.statementInvoice(s, ids[0], '2026-03-01', s.role === 'customer'))).toMatchSnapshot();
  });

  it('reads a statement’s invoice lines, the later adjustments of its period and its credit notes', async () => {
    expect(await sqlPerScope(rec, (s) => reads.linesOf(s, FIXED.id), ['customer'])).toMatchSnapshot();
    expect(await sqlPerScope(rec, (s) => reads.laterAdjustments(s, ids[0], '2026-03-01'), ['customer'])).toMatchSnapshot();
    expect(await sqlPerScope(rec, (s) => reads.creditNotesOf(s, FIXED.id), ['customer'])).toMatchSnapshot();
  });

  it('sums fees per month, revenue per scheme and reads guarantee evaluations', async () => {
    expect(await sqlPerScope(rec, (s) => reads.monthlyFees(s, ids, '2026-01-01', '2026-04-01', FIXED.id), ['auditor with a grant'])).toMatchSnapshot();
    expect(await sqlPerScope(rec, (s) => reads.revenueByScheme(s, ids, '2026-01-01', '2026-04-01'), ['vendor admin'])).toMatchSnapshot();
    expect(await sqlPerScope(rec, (s) => reads.guarantees(s, ids, '2026-01-01', '2026-04-01'), ['customer'])).toMatchSnapshot();
  });
});
