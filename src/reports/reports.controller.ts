import { Controller, Get, Param, ParseUUIDPipe, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, Roles } from '../auth/principal';
import { CustomerRoiView, PortfolioQuery, PortfolioView, RangeQuery, RoiReportView, StatementView } from './dto/reports.dto';
import { ReportFilesService } from './report-files.service';
import { ReportsService } from './reports.service';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1')
export class ReportsController {
  constructor(
    private readonly files: ReportFilesService,
    private readonly reports: ReportsService,
  ) {}

  @Get('contracts/:id/statements/:period')
  @ApiOkResponse({ type: StatementView, description: '`:period` is YYYY-MM (JSON), YYYY-MM.csv or YYYY-MM.pdf' })
  @ApiProduces('application/json', 'text/csv', 'application/pdf')
  statement(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('period') period: string,
  ): Promise<StatementView | StreamableFile> {
    return this.files.statement(p, id, period);
  }

  @Get('contracts/:id/roi')
  @ApiOkResponse({ type: RoiReportView })
  contractRoi(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: RangeQuery): Promise<RoiReportView | StreamableFile> {
    return this.files.contractRoi(p, id, q, 'json');
  }

  @Get('contracts/:id/roi.csv')
  @ApiProduces('text/csv')
  contractRoiCsv(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: RangeQuery): Promise<RoiReportView | StreamableFile> {
    return this.files.contractRoi(p, id, q, 'csv');
  }

  @Get('contracts/:id/roi.pdf')
  @ApiProduces('application/pdf')
  contractRoiPdf(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: RangeQuery): Promise<RoiReportView | StreamableFile> {
    return this.files.contractRoi(p, id, q, 'pdf');
  }

  @Get('customers/:id/roi')
  @ApiOkResponse({ type: CustomerRoiView })
  customerRoi(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: RangeQuery): Promise<CustomerRoiView | StreamableFile> {
    return this.files.customerRoi(p, id, q, 'json');
  }

  @Get('customers/:id/roi.csv')
  @ApiProduces('text/csv')
  customerRoiCsv(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: RangeQuery): Promise<CustomerRoiView | StreamableFile> {
    return this.files.customerRoi(p, id, q, 'csv');
  }

  @Get('customers/:id/roi.pdf')
  @ApiProduces('application/pdf')
  customerRoiPdf(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Query() q: RangeQuery): Promise<CustomerRoiView | StreamableFile> {
    return this.files.customerRoi(p, id, q, 'pdf');
  }

  @Get('reports/portfolio')
  @Roles('vendor_admin', 'auditor')
  portfolio(@CurrentPrincipal() p: Principal, @Query() q: PortfolioQuery): Promise<PortfolioView> {
    return this.reports.portfolio(p, q);
  }
}
