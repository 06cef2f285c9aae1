import { type DynamicModule, Module } from '@nestjs/common';

import { HealthModule } from './health/health.module.js';
import { AppConfig } from './infrastructure/config/app-config.js';
import { ConfigModule } from './infrastructure/config/config.module.js';
import { DatabaseModule } from './infrastructure/database/database.module.js';
import { LoggingModule } from './infrastructure/logging/logging.module.js';
import { MetricsModule } from './infrastructure/metrics/metrics.module.js';

/** Feature modules shared by every entry point (HTTP, worker, CLI). */
export const featureModules = [HealthModule];

@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        DatabaseModule,
        MetricsModule,
        ...featureModules,
      ],
    };
  }
}
