import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { MetricsService } from './metrics.service.js';

/** The counters node-postgres keeps on its pool. */
interface PgPoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * Connection pool gauges, read from the pg pool under TypeORM at scrape time.
 * `waiting` above zero for long means DB_POOL_SIZE is too small (or queries
 * too slow) for the load.
 */
@Injectable()
export class PoolMetrics {
  constructor(dataSource: DataSource, metrics: MetricsService) {
    const pool = (): PgPoolCounts | undefined =>
      dataSource.isInitialized
        ? ((dataSource.driver as unknown as { master?: PgPoolCounts }).master ?? undefined)
        : undefined;
    const gauge = (name: string, help: string, read: (p: PgPoolCounts) => number) =>
      metrics.gauge({
        name,
        help,
        collect() {
          const p = pool();
          this.set(p ? read(p) : 0);
        },
      });
    gauge('db_pool_connections_total', 'Connections open in the pool', (p) => p.totalCount);
    gauge('db_pool_connections_idle', 'Open connections not in use', (p) => p.idleCount);
    gauge(
      'db_pool_requests_waiting',
      'Queries waiting for a free connection',
      (p) => p.waitingCount,
    );
  }
}
