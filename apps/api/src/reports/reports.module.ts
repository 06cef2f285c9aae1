import { Module } from '@nestjs/common';

import { ReportRepository } from './persistence/report.repository.js';
import { SalesExportRepository } from './persistence/sales-export.repository.js';
import { ReportsController } from './reports.controller.js';
import { SalesReportHandler } from './sales-report.handler.js';
import { SalesReportService } from './sales-report.service.js';
import { SalesReportWriter } from './sales-report.writer.js';

/** Report exports written by the worker (sales: orders of a period as CSV). */
@Module({
  controllers: [ReportsController],
  providers: [
    ReportRepository,
    SalesExportRepository,
    SalesReportService,
    SalesReportWriter,
    SalesReportHandler,
  ],
  exports: [SalesReportService],
})
export class ReportsModule {}
