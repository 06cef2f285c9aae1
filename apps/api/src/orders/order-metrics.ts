import { ORDER_STATUSES } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { MetricsService } from '../infrastructure/metrics/metrics.service.js';

/**
 * Scrapes closer together than this share one count: the count reads the
 * whole orders table, and every instance is scraped on its own.
 */
const MIN_REFRESH_MS = 15_000;

/**
 * `minishop_orders{status}` on /metrics: how many orders are in each status,
 * counted at scrape time with one grouped query rather than kept up to date
 * on the checkout path. Every status is reported, at 0 when none is in it,
 * so an alert on one (`pending_payment` piling up) has a series to watch.
 */
@Injectable()
export class OrderMetrics {
  constructor(metrics: MetricsService, dataSource: DataSource) {
    metrics.scrapedGauge({
      name: 'minishop_orders',
      help: 'Orders by status',
      labelNames: ['status'],
      minRefreshMs: MIN_REFRESH_MS,
      read: async () => {
        const rows: { status: string; n: string }[] = await dataSource.query(
          'SELECT status, count(*) AS n FROM orders GROUP BY status',
        );
        return new Map(rows.map((r) => [r.status, Number(r.n)]));
      },
      show: (gauge, counts) => {
        for (const status of ORDER_STATUSES) gauge.set({ status }, counts.get(status) ?? 0);
      },
    });
  }
}
