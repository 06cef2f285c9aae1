/** A public reply ready to send: the serialised JSON, its strong ETag and its expiry. */
export interface CachedResponse {
  body: string;
  etag: string;
  /**
   * When the entry made at the page's load runs out (ms since the epoch):
   * its replies tell shared caches to keep it no longer (see `maxAgeOf`).
   * Set when the page is loaded, so it falls before the store's own expiry.
   */
  expiresAt: number;
}

/**
 * What a public read found where there is no page: nothing (a 404), or a
 * slug a product had before, with the one it has now (`movedTo`, a
 * redirect). Cached like a page, so a flood of requests for unknown slugs
 * costs the database one query per TTL, not one each; every catalog write
 * drops it with the pages, so a product created or renamed under the slug
 * is seen at once.
 */
export interface CachedAbsence {
  movedTo: string | null;
  expiresAt: number;
}

/** What a key holds: a page, or the answer that there is none. */
export type CacheEntry = CachedResponse | CachedAbsence;

export function isPage(entry: CacheEntry): entry is CachedResponse {
  return 'etag' in entry;
}

/**
 * A generation no entry is stored under: a cache that cannot learn the
 * current one (its store is down, an invalidation is still owed) answers
 * with it, the read is served uncached and its `set` is a no-op.
 */
export const UNCACHED_GENERATION = 'unavailable';

/** What a lookup found, with the catalog generation the key belongs to. */
export interface CacheLookup {
  generation: string;
  value: CacheEntry | undefined;
}

/**
 * A lookup of `key` already made (or under way) for a request, which the
 * request's read-through takes over instead of asking the store again.
 */
export interface PendingLookup {
  key: string;
  result: Promise<CacheLookup>;
}

/**
 * Port: cache of public catalog replies. Keys are scoped by a catalog
 * generation; `invalidate()` moves to a new generation, so every entry goes
 * stale at once (O(1), and across instances when the store is shared).
 */
export abstract class CatalogCache {
  abstract get(key: string): Promise<CacheLookup>;
  /**
   * The current entry under `key` when this process holds it in memory,
   * without any I/O (undefined otherwise, or when it cannot vouch that the
   * copy is current). Lets the HTTP fast path answer synchronously.
   */
  abstract peek(key: string): CacheEntry | undefined;
  /**
   * What `get` finds, from the shared store if this process does not hold
   * it, for a caller that has another way to answer (the HTTP fast path
   * hands the request to the controller, which takes the lookup over).
   * Undefined at once where there is no shared store or it is not
   * connected, as a lookup could then only wait. Like `get`, it never
   * rejects: a store error, logged, reads as a miss under a generation that
   * stores nothing.
   */
  abstract lookup(key: string): Promise<CacheLookup> | undefined;
  /** Stores under the generation the value was computed in; a newer one never sees it. */
  abstract set(
    key: string,
    generation: string,
    value: CacheEntry,
    ttlSeconds: number,
  ): Promise<void>;
  /**
   * Drops every cached catalog reply. Catalog writes call it after commit
   * (through CatalogChanges); other features that change what the catalog
   * shows (stock reservations) may call it too. Never rejects; resolves
   * whether the store took it (one that did not is owed: see
   * RedisCatalogCache).
   */
  abstract invalidate(): Promise<boolean>;
}
