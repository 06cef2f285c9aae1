import { describe, expect, jest, test } from '@jest/globals';

import { CachedReads } from './cached-reads.js';
import { type CacheLookup, UNCACHED_GENERATION } from './catalog-cache.js';
import { MemoryCatalogCache } from './memory-catalog-cache.js';

/** A load that answers only when told to, so reads pile up behind it. */
function aSlowLoad(payload: unknown = { page: 1 }) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const load = jest.fn(async () => {
    await released;
    return payload;
  });
  return { load, release };
}

describe('CachedReads', () => {
  describe('after an invalidation', () => {
    test('50 concurrent misses of one key run the load once and share its page', async () => {
      const cache = new MemoryCatalogCache();
      const reads = new CachedReads(cache);
      await reads.read('k', 60, () => Promise.resolve({ page: 0 }));
      await cache.invalidate();
      const { load, release } = aSlowLoad();
      const pending = Array.from({ length: 50 }, () => reads.read('k', 60, load));
      release();
      const results = await Promise.all(pending);
      expect(load).toHaveBeenCalledTimes(1);
      expect(new Set(results.map((r) => r.response.body))).toEqual(new Set(['{"page":1}']));
      expect(cache.peek('k')).toMatchObject({ body: '{"page":1}' });
    });

    test('a read in a newer generation does not join a load begun before it', async () => {
      const cache = new MemoryCatalogCache();
      const reads = new CachedReads(cache);
      const before = aSlowLoad({ price: 1 });
      const first = reads.read('k', 60, before.load);
      await cache.invalidate();
      const after = jest.fn(() => Promise.resolve({ price: 2 }));
      expect((await reads.read('k', 60, after)).response.body).toBe('{"price":2}');
      before.release();
      expect((await first).response.body).toBe('{"price":1}');
      expect(after).toHaveBeenCalledTimes(1);
    });
  });

  describe('an answer that there is no page', () => {
    test('is stored under its key and shared as a page is: the next read loads nothing', async () => {
      const cache = new MemoryCatalogCache();
      const reads = new CachedReads(cache);
      const load = jest.fn(() => Promise.resolve({ movedTo: 'new-slug' }));
      const answers = await Promise.all([1, 2].map(() => reads.answer('k', 60, load)));
      expect((await reads.answer('k', 60, load)).entry).toBe(answers[0]!.entry);
      expect(answers[1]!.entry).toBe(answers[0]!.entry);
      expect(answers[0]!.entry).toMatchObject({ movedTo: 'new-slug' });
      expect(load).toHaveBeenCalledTimes(1);
    });

    test('is read again once the cache is invalidated', async () => {
      const cache = new MemoryCatalogCache();
      const reads = new CachedReads(cache);
      await reads.answer('k', 60, () => Promise.resolve({ movedTo: null }));
      await cache.invalidate();
      const found = await reads.answer('k', 60, () => Promise.resolve({ page: { id: 1 } }));
      expect(found.entry).toMatchObject({ body: '{"id":1}' });
    });
  });

  describe('an entry', () => {
    test('says when it runs out: its TTL from the load', async () => {
      const reads = new CachedReads(new MemoryCatalogCache());
      const before = Date.now();
      const { response } = await reads.read('k', 60, () => Promise.resolve({}));
      expect(response.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
      expect(response.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
    });
  });

  describe('a load that fails', () => {
    test('fails every read waiting on it, and the next miss loads again', async () => {
      const reads = new CachedReads(new MemoryCatalogCache());
      let fail!: (error: Error) => void;
      const failure = new Promise<unknown>((_resolve, reject) => (fail = reject));
      const failing = jest.fn(() => failure);
      const pending = Array.from({ length: 5 }, () => reads.read('k', 60, failing));
      // Every read has looked the key up and joined the one load.
      await new Promise((r) => setImmediate(r));
      fail(new Error('database down'));
      const settled = await Promise.allSettled(pending);
      expect(settled.every((s) => s.status === 'rejected')).toBe(true);
      expect(failing).toHaveBeenCalledTimes(1);
      const retry = jest.fn(() => Promise.resolve({ page: 2 }));
      expect((await reads.read('k', 60, retry)).response.body).toBe('{"page":2}');
      expect(retry).toHaveBeenCalledTimes(1);
    });
  });

  describe('while the store cannot tell the generation', () => {
    test('each miss loads its own page: one begun before a write is never shared after it', async () => {
      class Unavailable extends MemoryCatalogCache {
        override get(): Promise<CacheLookup> {
          return Promise.resolve({ generation: UNCACHED_GENERATION, value: undefined });
        }
      }
      const reads = new CachedReads(new Unavailable());
      const { load, release } = aSlowLoad();
      const pending = Array.from({ length: 3 }, () => reads.read('k', 60, load));
      release();
      await Promise.all(pending);
      expect(load).toHaveBeenCalledTimes(3);
    });
  });
});
