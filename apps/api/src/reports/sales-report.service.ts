import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { CreateSalesReportDto, SalesReportDto } from '@minishop/contracts';
import { ReportNotFoundError, ReportNotReadyError, reportPeriod } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { JobQueue } from '../jobs/job-queue.js';
import { ReportRepository, toSalesReportDto } from './persistence/report.repository.js';

/** Where the report files live: `${DATA_DIR}/reports/<id>.csv`. */
export function reportFile(dataDir: string, id: string): string {
  return join(dataDir, 'reports', `${id}.csv`);
}

/** Sales report exports: request (queued for a worker), status, file. */
@Injectable()
export class SalesReportService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly reports: ReportRepository,
    private readonly jobs: JobQueue,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async request(input: CreateSalesReportDto, actorId: string | null): Promise<SalesReportDto> {
    const period = reportPeriod(new Date(input.from), new Date(input.to));
    return this.tx.run(async (m) => {
      const id = await this.reports.create(m, period, actorId);
      await this.jobs.enqueue('reports.sales', { reportId: id }, { manager: m });
      return toSalesReportDto((await this.reports.find(m, id))!);
    });
  }

  async get(id: string): Promise<SalesReportDto> {
    const found = await this.reports.find(this.dataSource.manager, id);
    if (!found) throw new ReportNotFoundError(id);
    return toSalesReportDto(found);
  }

  /** The finished file's path; 409 while the report is still being written. */
  async file(id: string): Promise<string> {
    const found = await this.reports.find(this.dataSource.manager, id);
    if (!found) throw new ReportNotFoundError(id);
    if (found.status !== 'completed') throw new ReportNotReadyError(id, found.status);
    const path = reportFile(this.config.dataDir, id);
    // Completed but gone (DATA_DIR wiped or another machine's disk): as if absent.
    if (!existsSync(path)) throw new ReportNotFoundError(id);
    return path;
  }
}
