import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

import {
  type CacheEntry,
  type CacheLookup,
  CatalogCache,
  isPage,
  UNCACHED_GENERATION,
} from './catalog-cache.js';
import { PageLru } from './page-lru.js';
import { decodeEntry, encodeEntry, pageHeader, storedPageHeader } from './stored-entry.js';

// Entries are keyed by the layout they are stored in (stored-entry.ts): an
// instance of an earlier release sharing the store during a rolling deploy
// would misread this layout, and this one its; each keeps to its own
// entries, while the generation, and so every invalidation, stays shared.
const LAYOUT = 'v2:';

// Reads the generation, the entry of that generation and its remaining
// lifetime in one round trip, so a lookup costs the same as a plain GET.
// With no generation yet (a fresh Redis) or none any more (FLUSHDB, an
// eviction) it starts one from Redis's clock, as INVALIDATE does: a fixed
// first generation would be used again after the key is lost, and bring
// back the pages stored under it before the writes since.
const LOOKUP = `
local g = redis.call('GET', KEYS[1])
if not g then
  local t = redis.call('TIME')
  g = string.format('%d', tonumber(t[1]) * 1000000 + tonumber(t[2]))
  redis.call('SET', KEYS[1], g)
end
local k = ARGV[1] .. g .. ':' .. ARGV[2]
return { g, redis.call('GET', k), redis.call('PTTL', k) }
`;

// How long an invalidation Redis did not take waits before it is sent again.
const INVALIDATION_RETRY_MS = 1_000;

// Moves to a new generation and tells every instance, in one round trip.
// Instances ignore a generation that is not newer than theirs (a message
// may come after a read that saw the next one), so generations must never
// go back: when the key is gone (FLUSHDB to clear the cache, an eviction)
// the next one is Redis's clock in microseconds, above any count before it.
const INVALIDATE = `
local g
if redis.call('EXISTS', KEYS[1]) == 1 then
  g = redis.call('INCR', KEYS[1])
else
  local t = redis.call('TIME')
  g = tonumber(t[1]) * 1000000 + tonumber(t[2])
  redis.call('SET', KEYS[1], string.format('%d', g))
end
redis.call('PUBLISH', ARGV[1], string.format('%d', g))
return g
`;

/**
 * Shared adapter: every instance reads the generation from Redis, so a write
 * on one instance is visible to the next read on any other. A Redis outage
 * degrades to uncached reads rather than failed requests.
 *
 * In front of Redis sits a near cache in process memory, so the hottest
 * reads cost no round trip. It is only used while this instance is
 * subscribed to the invalidation channel: `invalidate()` publishes the new
 * generation there, and every instance drops its near copies when the
 * message arrives (on the invalidating instance, at once). Another
 * instance may therefore serve the old page for the time the message takes
 * to arrive (well under the replies' own Cache-Control max-age), or, should
 * the message be lost, until it next reads anything from Redis. Whenever
 * the subscription is down, so that a message could be missed, the near
 * cache is off and every read goes to Redis. Near copies never outlive the
 * Redis entry they were read from.
 *
 * Every command is bounded by the client's `commandTimeout`: a Redis that
 * stops answering without closing the connection fails reads (served
 * uncached) and invalidations like one that is down.
 *
 * An invalidation that fails is owed, not dropped: until Redis takes it,
 * this instance serves uncached (it knows its pages are stale), and it is
 * sent again every second. Otherwise every instance would go on serving the
 * pages written over from Redis until they expire, which for the category
 * tree is minutes.
 */
export class RedisCatalogCache extends CatalogCache {
  private readonly logger = new Logger('CatalogCache');
  private readonly generationKey: string;
  private readonly channel: string;
  private readonly near = new PageLru();
  /**
   * Pages read from Redis, by header line (expiry and ETag), so that a page
   * read again is the same object: its encodings (br, gzip) and front-door
   * replies, kept per object, are then worked out once, not on every read
   * while the near cache is off. The ETag names the body and the expiry the
   * entry, so this can only ever hand back the very page Redis holds, never
   * a stale one; like near copies, a page is not kept longer than the Redis
   * entry it was read from.
   */
  private readonly pages = new PageLru();
  /** The generation the near cache holds; undefined while it is off. */
  private nearGeneration: number | undefined;
  /** Whether the invalidation channel is subscribed (every message since then is seen). */
  private subscribed = false;
  /** The newest generation announced since the subscription began. */
  private seen = 0;
  /** Set while an invalidation has not reached Redis: reads then go uncached. */
  private owed: NodeJS.Timeout | undefined;
  /** Failed invalidations so far: one that fails while another is in flight stays owed. */
  private failures = 0;
  /** Invalidations not yet answered (never rejected: a failure is owed). */
  private readonly sending = new Set<Promise<boolean>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** A connection of its own for the invalidation channel; none turns the near cache off. */
    private readonly subscriber?: Redis,
  ) {
    super();
    this.generationKey = `${prefix}generation`;
    this.channel = `${prefix}invalidated`;
    if (subscriber) this.listen(subscriber);
    // ioredis reports every failed (re)connection attempt; say it once per
    // outage, as reads meet the outage anyway (and log it) while it lasts.
    let down = false;
    redis.on('error', (error: Error) => {
      if (down) return;
      down = true;
      this.logger.warn({ err: error }, 'Redis unavailable for the catalog cache');
    });
    redis.on('ready', () => {
      down = false;
    });
  }

  peek(key: string): CacheEntry | undefined {
    const generation = this.nearGeneration;
    return generation === undefined ? undefined : this.near.get(`${generation}:${key}`);
  }

  lookup(key: string): Promise<CacheLookup> | undefined {
    // Connecting or reconnecting: the command would wait in ioredis's
    // offline queue until the connection is back or gives up.
    if (this.redis.status !== 'ready' && !this.peek(key)) return undefined;
    return this.get(key);
  }

  async get(key: string): Promise<CacheLookup> {
    const near = this.peek(key);
    if (near) return { generation: String(this.nearGeneration), value: near };
    if (this.owed) return { generation: UNCACHED_GENERATION, value: undefined };
    try {
      return await this.load(key);
    } catch (error) {
      this.logger.warn({ err: error }, 'catalog cache lookup failed; serving uncached');
      return { generation: UNCACHED_GENERATION, value: undefined };
    }
  }

  async set(key: string, generation: string, value: CacheEntry, ttlSeconds: number): Promise<void> {
    if (generation === UNCACHED_GENERATION) return;
    try {
      await this.redis.set(
        `${this.prefix}${generation}:${LAYOUT}${key}`,
        encodeEntry(value),
        'EX',
        ttlSeconds,
      );
      if (isPage(value)) this.pages.set(pageHeader(value), value, { ttl: ttlSeconds * 1000 });
      this.keepNear(key, generation, value, ttlSeconds * 1000);
    } catch (error) {
      this.logger.warn({ err: error }, 'catalog cache store failed');
    }
  }

  invalidate(): Promise<boolean> {
    const sent: Promise<boolean> = this.send().finally(() => this.sending.delete(sent));
    this.sending.add(sent);
    return sent;
  }

  private async send(): Promise<boolean> {
    const failures = this.failures;
    try {
      this.invalidated(await this.newGeneration(), failures);
      return true;
    } catch (error) {
      // The write this follows is committed: failing its request would only
      // invite a retry. The invalidation is owed instead (see the class).
      this.owe();
      this.logger.error({ err: error }, 'catalog cache invalidation failed; sending it again');
      return false;
    }
  }

  async close(): Promise<void> {
    // One still on its way may yet fail and be owed: known before deciding.
    await Promise.all(this.sending);
    const owed = this.owed !== undefined;
    clearTimeout(this.owed);
    this.owed = undefined;
    this.nearOff();
    // Its retry timer does not keep a process alive: a command (a seed, an
    // import) leaving with an invalidation owed sends it one last time, or
    // says for how long other instances may serve what it changed.
    if (owed && !(await this.payOwed())) {
      this.logger.error(
        'catalog cache invalidation still failing at close: pages cached in Redis may be stale until they expire',
      );
    }
    for (const connection of [this.subscriber, this.redis]) {
      // quit() lets pending commands finish (each within the command
      // timeout); disconnect() then also stops the reconnection attempts of
      // a Redis that never answered, which would keep the process alive.
      if (connection?.status === 'ready') await connection.quit().catch(() => undefined);
      connection?.disconnect();
    }
  }

  private listen(subscriber: Redis): void {
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.moveTo(Number(message));
    });
    // Anything that may lose a message switches the near cache off.
    for (const event of ['close', 'reconnecting', 'end', 'error'] as const) {
      subscriber.on(event, () => this.nearOff());
    }
    // On every (re)connection: subscribe first, then read the generation, so
    // no invalidation can fall between the two unseen.
    subscriber.on('ready', () => {
      void subscriber
        .subscribe(this.channel)
        .then(() => {
          this.subscribed = true;
          this.seen = 0;
          return this.redis.get(this.generationKey);
        })
        .then((generation) => {
          // While an invalidation is owed, Redis may hold stale pages: stay off.
          if (!this.subscribed || this.owed) return;
          // A message may have overtaken the GET's reply: take the newest.
          this.nearGeneration = Math.max(Number(generation ?? 0), this.seen);
          this.near.clear();
        })
        .catch((error: unknown) => {
          this.nearOff();
          this.logger.warn({ err: error }, 'catalog cache subscription failed; near cache off');
          // A command that timed out leaves the connection up, so no new
          // 'ready' would ever try again: start over on a new connection.
          if (subscriber.status === 'ready') subscriber.disconnect(true);
        });
    });
  }

  /** Entries of older generations are never read again and expire by TTL. */
  private async newGeneration(): Promise<number> {
    return (await this.redis.eval(INVALIDATE, 1, this.generationKey, this.channel)) as number;
  }

  /**
   * Whatever reached Redis, this instance must not serve what it holds, nor
   * what Redis holds, until an invalidation is known to have gone through.
   * The subscription is kept: once it does, the near cache is on again.
   */
  private owe(): void {
    this.failures += 1;
    this.nearGeneration = undefined;
    this.near.clear();
    clearTimeout(this.owed);
    this.owed = setTimeout(() => void this.payOwed(), INVALIDATION_RETRY_MS);
    // Not a reason to keep the process alive (close() clears it too).
    this.owed.unref();
  }

  /** Sends an owed invalidation again; whether Redis took it. Still owed (not closing), it is retried. */
  private async payOwed(): Promise<boolean> {
    const failures = this.failures;
    try {
      this.invalidated(await this.newGeneration(), failures);
      this.logger.log('catalog cache invalidation sent again');
      return true;
    } catch {
      // Still unreachable: its reads meet the outage and say so.
      if (this.owed && this.failures === failures) this.owe();
      return false;
    }
  }

  /**
   * `generation` is in Redis: reads may use the cache again, near ones too
   * if subscribed. Unless an invalidation failed after this one was sent
   * (`failures` moved on): Redis may have run this one before that write
   * committed, so that one stays owed.
   */
  private invalidated(generation: number, failures: number): void {
    if (this.failures !== failures) return;
    const wasOwed = this.owed !== undefined;
    clearTimeout(this.owed);
    this.owed = undefined;
    if (wasOwed && this.subscribed && this.nearGeneration === undefined) {
      // Every message since the subscription began is in `seen`.
      this.seen = Math.max(this.seen, generation);
      this.nearGeneration = this.seen;
      this.near.clear();
      return;
    }
    this.moveTo(generation);
  }

  /** Generations only grow: a late or duplicate message never moves back. */
  private moveTo(generation: number): void {
    if (!this.subscribed) return;
    this.seen = Math.max(this.seen, generation);
    if (this.nearGeneration === undefined || generation <= this.nearGeneration) return;
    this.nearGeneration = generation;
    this.near.clear();
  }

  private nearOff(): void {
    this.subscribed = false;
    this.nearGeneration = undefined;
    this.near.clear();
  }

  /** The entry of the current generation in Redis, kept near if the near cache is on. */
  private async load(key: string): Promise<CacheLookup> {
    const [current, body, ttlMs] = (await this.redis.eval(
      LOOKUP,
      1,
      this.generationKey,
      this.prefix,
      `${LAYOUT}${key}`,
    )) as [string, string | null, number];
    // A newer generation than the near cache's: its message is late, or was
    // lost on a connection that went dead without closing (no event says so).
    // Either way what is held near is stale now.
    if (this.nearGeneration !== undefined && Number(current) > this.nearGeneration) {
      this.moveTo(Number(current));
    }
    if (body === null) return { generation: current, value: undefined };
    const value = this.decode(body, ttlMs);
    if (ttlMs > 0) this.keepNear(key, current, value, ttlMs);
    return { generation: current, value };
  }

  private decode(stored: string, ttlMs: number): CacheEntry {
    const header = storedPageHeader(stored);
    // An absence has no encodings to share: a new object costs nothing.
    if (header === undefined) return decodeEntry(stored);
    let page = this.pages.get(header);
    if (!page) {
      page = decodeEntry(stored);
      if (ttlMs > 0) this.pages.set(header, page, { ttl: ttlMs });
    }
    return page;
  }

  private keepNear(key: string, generation: string, value: CacheEntry, ttlMs: number): void {
    if (this.nearGeneration === undefined || generation !== String(this.nearGeneration)) return;
    this.near.set(`${generation}:${key}`, value, { ttl: ttlMs });
  }
}
