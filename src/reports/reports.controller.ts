import { Controller, Get, Param, ParseUUIDPipe, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, Roles } from '../auth/principal';
import { CustomerRoiView, PortfolioQuery, PortfolioView, RangeQuery, RoiReportView, StatementView } from './dto/reports.dto';
import { ReportFilesService } from './report-files.service';
import { ReportsService } from './reports.service';
import { ApiFileResponse, ApiJsonOrFileResponse } from '../common/openapi/files';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1')
export class ReportsController {
  constructor(
    private readonly files: ReportFilesService,
    private readonly reports: ReportsService,
  ) {}

  @Get('contracts/:id/statements/:period')
  @ApiOperation({ summary: 'The savings-share statement of a period (YYYY-MM; YYYY-MM.csv or YYYY-MM.pdf for files)' })
  @ApiJsonOrFileResponse(StatementView, ['text/csv', 'application/pdf'], '`:period` is YYYY-MM (JSON), YYYY-MM.csv or YYYY-MM.pdf')
  statement(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('period') period: string,
  ): Promise<StatementView | StreamableFile> {
    return this.files.statement(p, id, period);
  }

  @Get('contracts/:id/roi')
  @ApiOkResponse({ type: RoiReportView })
  @ApiOperation({ summary: 'The contract’s ROI over a range: value delivered vs fees, monthly series' })
  contractRoi(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: RangeQuery): Promise<RoiReportView | StreamableFile> {
    return this.files.contractRoi(p, id, q, 'json');
  }

  @Get('contracts/:id/roi.csv')
  @ApiOperation({ summary: 'The contract’s ROI as CSV' })
  @ApiFileResponse('text/csv', 'The monthly series')
  contractRoiCsv(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: RangeQuery): Promise<RoiReportView | StreamableFile> {
    return this.files.contractRoi(p, id, q, 'csv');
  }

  @Get('contracts/:id/roi.pdf')
  @ApiOperation({ summary: 'The contract’s ROI as PDF, with its chart' })
  @ApiFileResponse('application/pdf', 'The ROI report')
  contractRoiPdf(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: RangeQuery): Promise<RoiReportView | StreamableFile> {
    return this.files.contractRoi(p, id, q, 'pdf');
  }

  @Get('customers/:id/roi')
  @ApiOkResponse({ type: CustomerRoiView })
  @ApiOperation({ summary: 'A customer’s ROI over all its contracts' })
  customerRoi(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: RangeQuery): Promise<CustomerRoiView | StreamableFile> {
    return this.files.customerRoi(p, id, q, 'json');
  }

  @Get('customers/:id/roi.csv')
  @ApiOperation({ summary: 'A customer’s ROI as CSV' })
  @ApiFileResponse('text/csv', 'The monthly series')
  customerRoiCsv(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: RangeQuery): Promise<CustomerRoiView | StreamableFile> {
    return this.files.customerRoi(p, id, q, 'csv');
  }

  @Get('customers/:id/roi.pdf')
  @ApiOperation({ summary: 'A customer’s ROI as PDF' })
  @ApiFileResponse('application/pdf', 'The ROI report')
  customerRoiPdf(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: RangeQuery): Promise<CustomerRoiView | StreamableFile> {
    return this.files.customerRoi(p, id, q, 'pdf');
  }

  @Get('reports/portfolio')
  @Roles('vendor_admin', 'auditor')
  @ApiOperation({ summary: 'The vendor’s portfolio: revenue by scheme, contracts with ROI above a threshold' })
  @ApiOkResponse({ type: PortfolioView })
  portfolio(@CurrentPrincipal() p: Principal, @Query() q: PortfolioQuery): Promise<PortfolioView> {
    return this.reports.portfolio(p, q);
  }
}
