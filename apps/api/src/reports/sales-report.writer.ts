import { createWriteStream } from 'node:fs';
import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { csvField, ReportNotFoundError } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { ReportRepository } from './persistence/report.repository.js';
import { type SalesCursor, SalesExportRepository } from './persistence/sales-export.repository.js';
import { reportFile } from './sales-report.service.js';

const PAGE = 1000;
export const SALES_REPORT_COLUMNS = [
  'order_id',
  'created_at',
  'status',
  'user_email',
  'items',
  'subtotal',
  'total',
  'currency',
  'amount_refunded',
] as const;

/**
 * Writes a sales report file: orders of the period page by page (keyset, so
 * memory stays flat however many orders), amounts in minor units. The file
 * is written beside its final name and renamed at the end, so a download
 * never sees half a file; a rerun rewrites it whole.
 */
@Injectable()
export class SalesReportWriter {
  constructor(
    private readonly reports: ReportRepository,
    private readonly sales: SalesExportRepository,
    private readonly tx: TransactionRunner,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /**
   * `run` names this attempt (the job id and attempt number): two runs of
   * one report at once, a job redelivered while its first run still writes,
   * each write a file of their own, and the last rename wins whole.
   */
  async write(reportId: string, run: string): Promise<void> {
    const m = this.dataSource.manager;
    const report = await this.reports.find(m, reportId);
    if (!report) throw new ReportNotFoundError(reportId);
    if (report.status === 'completed') return;
    await this.tx.run((t) => this.reports.markRunning(t, reportId));

    const path = reportFile(this.config.dataDir, reportId);
    const partial = `${path}.${run}.partial`;
    // Every customer's e-mail and spend: readable by the API's own user
    // only, as the demo credentials are; a directory made by an earlier
    // release, readable by all, is closed too.
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await chmod(dirname(path), 0o700);
    let count = 0;
    const sales = this.sales;
    const period = { from: report.from, to: report.to };
    // One chunk per page of orders.
    async function* pages(): AsyncGenerator<string> {
      yield `${SALES_REPORT_COLUMNS.join(',')}\n`;
      let after: SalesCursor | null = null;
      do {
        const page = await sales.page(m, period, after, PAGE);
        let text = '';
        for (const r of page.rows) {
          const fields = [
            r.id,
            r.createdAt,
            r.status,
            r.email,
            r.items,
            r.subtotal,
            r.total,
            r.currency,
            r.amountRefunded,
          ];
          text += `${fields.map(csvField).join(',')}\n`;
        }
        if (text) yield text;
        count += page.rows.length;
        after = page.next;
      } while (after);
    }
    // pipeline, not write() and 'drain': a file that cannot be opened or
    // written (a full disk) rejects here instead of emitting an 'error' no
    // one listens to, which ended the process, or leaving the job waiting
    // for a 'finish' that never comes.
    try {
      await pipeline(
        Readable.from(pages()),
        createWriteStream(partial, { encoding: 'utf8', mode: 0o600 }),
      );
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true }).catch(() => undefined);
      throw error;
    }
    await this.tx.run((t) => this.reports.complete(t, reportId, count));
  }

  /** Gives up on a report: its requester sees `failed` instead of `running` for ever. */
  async fail(reportId: string): Promise<void> {
    await this.tx.run((t) =>
      // The cause is in the job's log; the reply says only what to do.
      this.reports.fail(t, reportId, 'The export could not be written; request it again'),
    );
  }
}
