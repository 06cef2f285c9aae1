import { describe, expect, test } from '@jest/globals';

import { acceptsJson } from './accept.js';

describe('acceptsJson', () => {
  test('no preference: absent, empty or blank', () => {
    for (const accept of [undefined, '', '  ']) expect(acceptsJson(accept)).toBe(true);
  });

  test('ranges and q-values that leave JSON acceptable', () => {
    for (const accept of [
      '*/*',
      'application/*;q=0.2',
      'application/json;charset=UTF-8',
      'image/png, application/json;q=0.001',
      'text/html, */*;q=0.1',
    ])
      expect({ accept, ok: acceptsJson(accept) }).toEqual({ accept, ok: true });
  });

  test('ranges that rule JSON out, whatever else they allow', () => {
    for (const accept of [
      'image/png',
      'image/png, */*;q=0',
      'application/json;q=0',
      // A success reply is JSON: accepting problem documents alone is not enough.
      'application/json;q=0, */*',
      'application/problem+json',
      'application/json;charset=latin1',
      'text/*',
      'not a media range',
    ])
      expect({ accept, ok: acceptsJson(accept) }).toEqual({ accept, ok: false });
  });

  test('a header past the negotiated length is disregarded', () => {
    expect(acceptsJson(`image/png, ${'image/gif, '.repeat(200)}image/webp`)).toBe(true);
  });
});
