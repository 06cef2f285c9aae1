import { describe, expect, test } from '@jest/globals';
import { InvalidCursorError } from '@minishop/domain';

import { decodeCursor, encodeCursor } from './product-cursor.js';

const id = '0b0c7c2e-7f7e-4d7f-9d55-1d1a7c0f0a11';

describe('product cursor', () => {
  test.each([
    { sort: 'newest' as const, key: '2026-11-25 15:03:32.123456+00', id },
    { sort: 'price' as const, key: 1299, id },
    { sort: '-price' as const, key: 0, id },
    { sort: 'name' as const, key: 'Nordic Mug', id },
  ])('round-trips %j', (cursor) => {
    const raw = encodeCursor(cursor);
    expect(raw).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(raw, cursor.sort)).toEqual(cursor);
  });

  test('a cursor of another sort is refused', () => {
    const raw = encodeCursor({ sort: 'price', key: 1, id });
    expect(() => decodeCursor(raw, 'name')).toThrow(/another sort/);
  });

  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  test.each([
    ['not base64url', '%%%', 'price'],
    ['not JSON', Buffer.from('hello').toString('base64url'), 'price'],
    ['wrong shape', b64({ a: 1 }), 'price'],
    ['bad id', b64(['price', 1, 'x']), 'price'],
    ['bad key type', b64(['price', '1', id]), 'price'],
    ['bad timestamp', b64(['newest', 'yesterday', id]), 'newest'],
  ] as const)('%s → InvalidCursorError naming cursor', (_, raw, sort) => {
    try {
      decodeCursor(raw, sort);
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidCursorError);
      expect((error as InvalidCursorError).fields[0]?.field).toBe('cursor');
    }
  });
});
