import { describe, expect, test } from '@jest/globals';

import { appendHeaders } from './header-list.js';

describe('appendHeaders', () => {
  test('folds a second Vary into the first, on one field line', () => {
    const head = ['X-Request-Id', 'abc', 'Vary', 'Origin'];
    appendHeaders(head, ['Cache-Control', 'public', 'Vary', 'Accept-Encoding']);
    expect(head).toEqual([
      'X-Request-Id',
      'abc',
      'Vary',
      'Origin, Accept-Encoding',
      'Cache-Control',
      'public',
    ]);
  });

  test('looks for Vary among the names only: a value that reads "Vary" (a request id) is not one', () => {
    // X-Request-Id is the caller's when it is word characters: "Vary" is one.
    const head = ['X-Request-Id', 'Vary'];
    appendHeaders(head, ['Vary', 'Origin']);
    appendHeaders(head, ['Vary', 'Accept-Encoding']);
    expect(head).toEqual(['X-Request-Id', 'Vary', 'Vary', 'Origin, Accept-Encoding']);
  });
});
