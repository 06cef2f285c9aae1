import type { LoggerService } from '@nestjs/common';
import pg from 'pg';

export interface ChannelEvents {
  /** A notification's payload. */
  message(payload: string): void;
  /** Listening (again): every notification from here on is heard. */
  up(): void;
  /** Not listening: notifications sent from now until the next up() are missed. */
  down(): void;
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 10_000;
/**
 * An idle LISTEN connection sends nothing: a NAT or load balancer that
 * forgets the flow, or a server gone in a failover, would go unnoticed for
 * hours of TCP's defaults while notifications are lost. A query this often,
 * answered within HEARTBEAT_TIMEOUT_MS, proves the connection still works.
 */
const HEARTBEAT_MS = 15_000;
const HEARTBEAT_TIMEOUT_MS = 5_000;

/** The application_name of the connection listening to `channel`. */
export function listenerName(channel: string): string {
  return `minishop-listener:${channel}`;
}

/**
 * One connection of its own LISTENing to a channel, opened again after any
 * failure (a restarted server, a terminated backend) with a growing delay.
 * PostgreSQL delivers a NOTIFY when its transaction commits, to the
 * sessions listening at that moment: one that is gone misses it for good,
 * which is what down() tells.
 */
export class PgChannelListener {
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly events: ChannelEvents,
    private readonly logger: LoggerService,
  ) {}

  start(): void {
    void this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    this.events.down();
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.url,
      // Named for its channel: in pg_stat_activity an operator (or a test)
      // can tell the account cache's listener from the catalog cache's.
      application_name: listenerName(this.channel),
      connectionTimeoutMillis: 5_000,
      query_timeout: HEARTBEAT_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    this.client = client;
    let failed = false;
    const fail = (error?: unknown) => {
      if (failed) return;
      failed = true;
      clearInterval(this.heartbeat);
      this.events.down();
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => undefined);
      if (this.closed) return;
      this.logger.warn?.(
        `listening on ${this.channel} stopped${error instanceof Error ? `: ${error.message}` : ''}; retrying in ${this.retryMs} ms`,
      );
      this.retry = setTimeout(() => void this.connect(), this.retryMs);
      // Not a reason to keep the process alive.
      this.retry.unref();
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    };
    client.on('error', fail);
    client.on('end', () => fail());
    client.on('notification', (n) => {
      if (n.channel === this.channel) this.events.message(n.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
    } catch (error) {
      fail(error);
      return;
    }
    if (failed || this.closed) return;
    this.retryMs = RETRY_MIN_MS;
    this.heartbeat = setInterval(() => {
      client.query('SELECT 1').catch(fail);
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    this.events.up();
  }
}
