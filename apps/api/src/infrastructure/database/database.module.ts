import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { DatabaseLifecycle } from './database-lifecycle.js';
import { DatabaseServer } from './database-server.js';
import { DatabaseUnreachableError } from './database-unreachable.error.js';
import { MigrationRunner } from './migration-runner.js';
import { TransactionRunner } from './transaction-runner.js';

@Global()
@Module({
  providers: [{ provide: DatabaseServer, inject: [AppConfig], useFactory: DatabaseServer.resolve }],
  exports: [DatabaseServer],
})
class DatabaseServerModule {}

@Global()
@Module({
  imports: [
    DatabaseServerModule,
    TypeOrmModule.forRootAsync({
      inject: [DatabaseServer, AppConfig],
      useFactory: (server: DatabaseServer, config: AppConfig) => ({
        ...dataSourceOptions(server.url, config.dbPoolSize),
        // Keep retrying the first connection briefly: a freshly started
        // container may accept TCP before it accepts logins.
        retryAttempts: 5,
        retryDelay: 1000,
        // Not retried, the failure said in one line (Nest's retries log a
        // stack each): what a command line user wants.
        ...(config.retryFirstConnection
          ? {}
          : {
              toRetry: (error: unknown): never => {
                throw new DatabaseUnreachableError(server.displayUrl, error);
              },
            }),
      }),
    }),
  ],
  providers: [TransactionRunner, DatabaseLifecycle, MigrationRunner],
  exports: [TransactionRunner, MigrationRunner],
})
export class DatabaseModule {}
