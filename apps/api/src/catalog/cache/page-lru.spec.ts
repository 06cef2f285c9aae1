import { setTimeout as sleep } from 'node:timers/promises';

import { describe, expect, test } from '@jest/globals';

import type { CachedAbsence, CachedResponse } from './catalog-cache.js';
import { PAGE_CACHE_MAX_ENTRIES, PageLru } from './page-lru.js';

const MINUTE = 60_000;
const page = (body: string): CachedResponse => ({
  body,
  etag: `"${body}"`,
  expiresAt: Date.now() + MINUTE,
});
const absent: CachedAbsence = { movedTo: null, expiresAt: Date.now() + MINUTE };

describe('PageLru', () => {
  test('a page read again outlives a flood of keys read once, pages and absences alike', () => {
    const cache = new PageLru();
    const hot = page('hot');
    cache.set('products?page=1', hot, { ttl: MINUTE });
    expect(cache.get('products?page=1')).toBe(hot);
    // Twice the whole budget's count of one-off keys: random slugs, random searches.
    for (let i = 0; i < PAGE_CACHE_MAX_ENTRIES; i++) {
      cache.set(`product:nope-${i}`, absent, { ttl: MINUTE });
      cache.set(`products?q=${i}`, page(`found ${i}`), { ttl: MINUTE });
    }
    expect(cache.get('products?page=1')).toBe(hot);
  });

  test('keys read once evict one another, least recently stored first', () => {
    const cache = new PageLru();
    for (let i = 0; i < PAGE_CACHE_MAX_ENTRIES; i++) {
      cache.set(`product:nope-${i}`, absent, { ttl: MINUTE });
    }
    expect(cache.get('product:nope-0')).toBeUndefined();
    const last = `product:nope-${PAGE_CACHE_MAX_ENTRIES - 1}`;
    expect(cache.get(last)).toBe(absent);
  });

  test('without a second read, a page is the first to go', () => {
    const cache = new PageLru();
    const hot = page('hot');
    const cold = page('cold');
    cache.set('hot', hot, { ttl: MINUTE });
    cache.get('hot');
    cache.set('cold', cold, { ttl: MINUTE });
    for (let i = 0; i < PAGE_CACHE_MAX_ENTRIES; i++) {
      cache.set(`product:nope-${i}`, absent, { ttl: MINUTE });
    }
    expect(cache.get('cold')).toBeUndefined();
    expect(cache.get('hot')).toBe(hot);
  });

  test('a page keeps the time to live it was stored with when it moves', async () => {
    const cache = new PageLru();
    const short = page('short');
    cache.set('short', short, { ttl: 100 });
    expect(cache.get('short')).toBe(short);
    await sleep(200);
    expect(cache.get('short')).toBeUndefined();
  });

  test('a page written again under a protected key stays protected, with its new value', () => {
    const cache = new PageLru();
    cache.set('hot', page('v1'), { ttl: MINUTE });
    cache.get('hot');
    const v2 = page('v2');
    cache.set('hot', v2, { ttl: MINUTE });
    for (let i = 0; i < PAGE_CACHE_MAX_ENTRIES; i++) {
      cache.set(`product:nope-${i}`, absent, { ttl: MINUTE });
    }
    expect(cache.get('hot')).toBe(v2);
  });

  test('clear drops both segments', () => {
    const cache = new PageLru();
    cache.set('hot', page('hot'), { ttl: MINUTE });
    cache.get('hot');
    cache.set('new', page('new'), { ttl: MINUTE });
    cache.clear();
    expect(cache.get('hot')).toBeUndefined();
    expect(cache.get('new')).toBeUndefined();
  });
});
