import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DataSource } from 'typeorm';

import { AppConfig } from '../infrastructure/config/app-config.js';
import { PgChannelListener } from '../infrastructure/database/pg-channel-listener.js';
import { RefreshTokenRepository } from './refresh-token.repository.js';
import { type UserAccess, UserRepository } from './user.repository.js';

/**
 * The channel the `users` trigger notifies with an account's id (migration
 * AccountAccessNotify), and the `refresh_tokens` triggers with
 * `session:<family id>` when a session ends (SessionEndedNotify).
 */
export const ACCOUNT_ACCESS_CHANNEL = 'account_access';
const SESSION_ENDED = 'session:';

/**
 * The guard's account check (role, disabled, credentials version) and
 * session check (the token's session not ended) kept in this process, so
 * an authenticated request does not begin with a database round trip. It
 * may only be served while this process hears of every change: a trigger
 * on `users` notifies ACCOUNT_ACCESS_CHANNEL with the account's id when its
 * transaction commits, whoever wrote it (this API, another instance, the
 * CLI, plain SQL), and the entry goes; triggers on `refresh_tokens` notify
 * it with `session:<id>` when a session ends. While the
 * listening connection is not up, nothing is served from memory. Entries
 * also expire after `ACCOUNT_CACHE_SECONDS`: a bound for a connection that
 * died without either end noticing yet.
 *
 * The listener starts with the first check, so a process that never checks
 * (the CLI, the job worker) opens no connection for it.
 */
@Injectable()
export class AccountAccessCache implements OnModuleDestroy {
  private readonly logger = new Logger(AccountAccessCache.name);
  private readonly entries: LRUCache<string, UserAccess> | undefined;
  /**
   * Whether a session lives. An ended one never comes back, so `false` is
   * kept whether or not the listener is up; `true` only as accounts are.
   */
  private readonly sessions: LRUCache<string, boolean> | undefined;
  /** As `generation`, for sessions: account changes do not touch what a session read saw. */
  private sessionGeneration = 0;
  private listener: PgChannelListener | undefined;
  private listening = false;
  /** Shutting down: a check now must not open a connection no one would close. */
  private destroyed = false;
  /**
   * Moves on with every change heard and every loss of the connection: a
   * read that began under an older generation may have seen the account as
   * it was before, so it is not kept.
   */
  private generation = 0;

  constructor(
    private readonly users: UserRepository,
    private readonly tokens: RefreshTokenRepository,
    private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    const ttl = config.accountCacheSeconds * 1000;
    this.entries = ttl > 0 ? growingLru(50_000, ttl) : undefined;
    this.sessions = ttl > 0 ? growingLru(100_000, ttl) : undefined;
  }

  async find(id: string): Promise<UserAccess | null> {
    if (!this.entries || this.destroyed) return this.users.findAccess(id);
    this.listener ??= this.startListening();
    const key = id.toLowerCase();
    if (this.listening) {
      const hit = this.entries.get(key);
      if (hit) return hit;
    }
    const generation = this.generation;
    const access = await this.users.findAccess(id);
    if (access && this.listening && generation === this.generation) this.entries.set(key, access);
    return access;
  }

  /** Whether the session (a refresh-token family) has not ended. */
  async sessionLive(id: string): Promise<boolean> {
    if (!this.sessions || this.destroyed) return this.tokens.sessionLive(id);
    this.listener ??= this.startListening();
    const key = id.toLowerCase();
    const known = this.sessions.get(key);
    if (known === false || (known === true && this.listening)) return known;
    const generation = this.sessionGeneration;
    const live = await this.tokens.sessionLive(id);
    if (!live) this.sessions.set(key, false);
    else if (this.listening && generation === this.sessionGeneration) this.sessions.set(key, true);
    return live;
  }

  /**
   * This process changed the account: its next request must not wait for
   * the notification, which comes once the change commits.
   */
  changed(id: string): void {
    this.generation += 1;
    this.entries?.delete(id.toLowerCase());
  }

  /**
   * The session ended, for good: heard from the `refresh_tokens` triggers,
   * or told by this process once its revocation committed, so that its
   * next request need not wait for the notification.
   */
  sessionEnded(id: string): void {
    this.sessionGeneration += 1;
    this.sessions?.set(id.toLowerCase(), false);
  }

  /**
   * Heard of a session's end: kept only for a session held here, as every
   * other process's logouts come by too and would push live sessions out.
   * One being read now is not kept as live (the generation moved on).
   */
  private heardSessionEnded(id: string): void {
    const key = id.toLowerCase();
    if (this.sessions?.has(key)) this.sessionEnded(key);
    else this.sessionGeneration += 1;
  }

  /** Ended sessions stay ended: only what may have changed unheard goes. */
  private forgetAll(): void {
    this.generation += 1;
    this.sessionGeneration += 1;
    this.entries?.clear();
    if (this.sessions) {
      const live = [...this.sessions.entries()].filter(([, v]) => v).map(([k]) => k);
      for (const key of live) this.sessions.delete(key);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.destroyed = true;
    await this.listener?.close();
  }

  private startListening(): PgChannelListener {
    const url = (this.dataSource.options as { url?: string }).url;
    if (!url) throw new Error('the account cache needs the database URL');
    const listener = new PgChannelListener(
      url,
      ACCOUNT_ACCESS_CHANNEL,
      {
        // '*': a table was truncated.
        message: (id) => {
          if (id === '*') this.forgetAll();
          else if (id.startsWith(SESSION_ENDED)) {
            this.heardSessionEnded(id.slice(SESSION_ENDED.length));
          } else this.changed(id);
        },
        up: () => {
          // Changes made while no one listened went unheard.
          this.forgetAll();
          this.listening = true;
        },
        down: () => {
          this.listening = false;
          this.forgetAll();
        },
      },
      this.logger,
    );
    listener.start();
    return listener;
  }
}

/**
 * At most `limit` entries, with storage that grows as they come: given
 * `max`, lru-cache allocates a slot of each of its arrays for every entry
 * up front, and the two caches here held 6 MiB of an idle API's heap for
 * accounts and sessions that, in most shops, never arrive.
 */
function growingLru<V extends object | boolean>(limit: number, ttl: number): LRUCache<string, V> {
  return new LRUCache<string, V>({ maxSize: limit, sizeCalculation: () => 1, ttl });
}
