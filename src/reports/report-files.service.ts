import { Injectable, StreamableFile } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { BOUNDED_MONTH_PATTERN } from '../kernel/calendar';
import type { CustomerRoiView, RangeQuery, ReportFormat, RoiReportView, StatementView } from './dto/reports.dto';
import { roiCsv, roiPdf, statementCsv, statementPdf } from './report-documents';
import { ReportError, ReportErrorCode } from './reports.errors';
import { ReportsService } from './reports.service';

const STATEMENT_PERIOD = new RegExp(`^(${BOUNDED_MONTH_PATTERN})(?:\\.(json|csv|pdf))?$`);

function file(body: Buffer | string, format: 'csv' | 'pdf', name: string): StreamableFile {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return new StreamableFile(buf, {
    type: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/pdf',
    disposition: `${format === 'pdf' ? 'inline' : 'attachment'}; filename="${name}.${format}"`,
    length: buf.length,
  });
}

/** The reports in the format the path asks for: JSON views, or CSV and PDF documents. */
@Injectable()
export class ReportFilesService {
  constructor(private readonly reports: ReportsService) {}

  async statement(p: Principal, contractId: string, periodParam: string): Promise<StatementView | StreamableFile> {
    const m = STATEMENT_PERIOD.exec(periodParam);
    if (!m)
      throw ReportError.create(ReportErrorCode.PERIOD_INVALID, `"${periodParam}" is not a month`, [
        { field: 'period', message: 'must be YYYY-MM, optionally with .csv or .pdf' },
      ]);
    const format = (m[2] ?? 'json') as ReportFormat;
    const s = await this.reports.statement(p, contractId, m[1], format);
    if (format === 'json') return s;
    const name = `statement-${m[1]}-${contractId}`;
    return format === 'csv' ? file(statementCsv(s), 'csv', name) : file(await statementPdf(s), 'pdf', name);
  }

  async contractRoi(p: Principal, contractId: string, q: RangeQuery, format: ReportFormat): Promise<RoiReportView | StreamableFile> {
    const r = await this.reports.contractRoi(p, contractId, q, format);
    return this.roiFile(r, format, `roi-${contractId}-${r.from}_${r.to}`);
  }

  async customerRoi(p: Principal, customerId: string, q: RangeQuery, format: ReportFormat): Promise<CustomerRoiView | StreamableFile> {
    const c = await this.reports.customerRoi(p, customerId, q, format);
    if (format === 'json') return c;
    // One document per currency would be several files: CSV and PDF show the first currency's report
    // and list the others by name; the JSON has all of them.
    const first = c.reports[0];
    const name = `roi-customer-${customerId}-${first.currency}-${first.from}_${first.to}`;
    return format === 'csv' ? file(roiCsv(first), 'csv', name) : file(await roiPdf(first), 'pdf', name);
  }

  private async roiFile(r: RoiReportView, format: ReportFormat, name: string): Promise<RoiReportView | StreamableFile> {
    if (format === 'json') return r;
    return format === 'csv' ? file(roiCsv(r), 'csv', name) : file(await roiPdf(r), 'pdf', name);
  }
}
