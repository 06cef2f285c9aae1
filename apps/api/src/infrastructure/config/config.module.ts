import { type DynamicModule, Global, Module } from '@nestjs/common';

import { AppConfig } from './app-config.js';

/**
 * Makes the validated `AppConfig` injectable everywhere. The environment is
 * validated before the app is built (see `AppConfig.fromEnv`), so a wrong
 * variable stops start with a message, not a stack trace from deep in DI.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}
