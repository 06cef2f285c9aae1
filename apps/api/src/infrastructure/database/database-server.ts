import { join } from 'node:path';

import { Injectable, Logger } from '@nestjs/common';

import type { AppConfig } from '../config/app-config.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './embedded-postgres.js';
import { maskedDatabaseUrl } from './masked-url.js';

/**
 * Where the database is: `DATABASE_URL`, or an embedded PostgreSQL under
 * `.data/` that this process starts and stops. Resolved before the TypeORM
 * data source is built.
 */
@Injectable()
export class DatabaseServer {
  private static readonly logger = new Logger('Database');

  private constructor(
    readonly url: string,
    readonly embedded: EmbeddedDatabase | undefined,
  ) {}

  static async resolve(config: AppConfig): Promise<DatabaseServer> {
    if (config.databaseUrl) return new DatabaseServer(config.databaseUrl, undefined);
    const embedded = await startEmbeddedPostgres({
      dir: join(config.dataDir, 'pg'),
      port: config.embeddedPgPort,
      database: 'minishop',
      log: (m) => DatabaseServer.logger.warn(m),
    });
    return new DatabaseServer(embedded.url, embedded);
  }

  /** The URL with its password masked, for start-up messages. */
  get displayUrl(): string {
    return maskedDatabaseUrl(this.url);
  }

  async stop(): Promise<void> {
    if (this.embedded?.owned) await this.embedded.stop();
  }
}
