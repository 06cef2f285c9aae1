import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { DatabaseServer } from './database-server.js';

/**
 * Closes the pool before stopping an embedded server, whatever order Nest
 * calls modules' shutdown hooks in; TypeORM's own hook then finds the data
 * source already closed and does nothing.
 */
@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(
    private readonly dataSource: DataSource,
    private readonly server: DatabaseServer,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.server.stop();
  }
}
