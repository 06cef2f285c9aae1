import { Global, Module } from '@nestjs/common';

import { HttpMetrics } from './http-metrics.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { PoolMetrics } from './pool-metrics.js';

/** `GET /metrics` and the registry every feature adds its metrics to (`MetricsService`). */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, HttpMetrics, PoolMetrics],
  exports: [MetricsService],
})
export class MetricsModule {}
