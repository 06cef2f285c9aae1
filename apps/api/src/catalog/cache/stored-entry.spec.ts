import { describe, expect, test } from '@jest/globals';

import type { CacheEntry } from './catalog-cache.js';
import { decodeEntry, encodeEntry, storedPageHeader } from './stored-entry.js';

describe('a catalog cache entry stored as a string', () => {
  const entries: [string, CacheEntry][] = [
    ['a page', { etag: '"abc-_"', body: '{"a":"x\\ny z"}\n', expiresAt: 1_764_000_000_123 }],
    ['an empty page', { etag: '"e"', body: '', expiresAt: 1 }],
    ['not found', { movedTo: null, expiresAt: 1_764_000_000_123 }],
    ['a redirect', { movedTo: 'oak-chair-2', expiresAt: 1_764_000_000_123 }],
  ];

  test.each(entries)('%s reads back as it was', (_name, entry) => {
    expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
  });

  test('a page has a header line naming its expiry and ETag; an absence has none', () => {
    expect(storedPageHeader(encodeEntry(entries[0]![1]))).toBe('1764000000123 "abc-_"');
    expect(storedPageHeader(encodeEntry(entries[2]![1]))).toBeUndefined();
    expect(storedPageHeader(encodeEntry(entries[3]![1]))).toBeUndefined();
  });
});
