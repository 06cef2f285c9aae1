import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

import { DatabaseServer } from '../../infrastructure/database/database-server.js';
import { PgChannelListener } from '../../infrastructure/database/pg-channel-listener.js';
import { CatalogCache } from './catalog-cache.js';
import { CATALOG_CHANGED_CHANNEL, CatalogChanges } from './catalog-changes.js';
import { MemoryCatalogCache } from './memory-catalog-cache.js';

/** How long a start waits for the listener before serving without it. */
const FIRST_LISTEN_WAIT_MS = 2_000;

/**
 * Keeps an in-process catalog cache in step with writes made by any other
 * process on the same database (another `start:prod` worker, the job worker
 * running an import, the CLI): every catalog write notifies
 * CATALOG_CHANGED_CHANNEL at commit, and this process drops its pages when
 * it hears it. Pages are also dropped whenever listening starts again, as
 * writes made while no one listened went unheard; pages cached while the
 * connection is down are bounded by their TTL alone.
 *
 * Only a process that serves HTTP with an in-process cache listens: a Redis
 * cache's generation is shared and its near copies follow Redis's own
 * channel, and the CLI and the job worker serve no catalog.
 */
@Injectable()
export class CatalogChangeListener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CatalogChangeListener.name);
  private listener: PgChannelListener | undefined;

  constructor(
    private readonly cache: CatalogCache,
    private readonly changes: CatalogChanges,
    private readonly db: DatabaseServer,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** Waits (briefly) for the first LISTEN, so the first requests are already covered. */
  async onApplicationBootstrap(): Promise<void> {
    const cache = this.cache;
    if (!(cache instanceof MemoryCatalogCache) || !this.adapterHost.httpAdapter) return;
    let listening!: () => void;
    const first = new Promise<void>((resolve) => (listening = resolve));
    // The memory cache's invalidate neither fails nor waits.
    const drop = () => void cache.invalidate();
    this.listener = new PgChannelListener(
      this.db.url,
      CATALOG_CHANGED_CHANNEL,
      {
        message: (writer) => {
          if (writer !== this.changes.writerId) drop();
        },
        up: () => {
          drop();
          listening();
        },
        down: () => undefined,
      },
      this.logger,
    );
    this.listener.start();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>(
      (resolve) => (timer = setTimeout(resolve, FIRST_LISTEN_WAIT_MS)),
    );
    await Promise.race([first, late]);
    clearTimeout(timer);
  }

  async onModuleDestroy(): Promise<void> {
    await this.listener?.close();
  }
}
