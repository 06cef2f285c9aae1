import { describe, expect, test } from '@jest/globals';

import { echoableId } from './echoed-id.js';

describe('echoableId', () => {
  test('a UUID, in either case, may be repeated', () => {
    expect(echoableId('0b6f1c1e-8a5b-4f0e-9a57-3c1de2c9b7aa')).toBe(true);
    expect(echoableId('0B6F1C1E-8A5B-4F0E-9A57-3C1DE2C9B7AA')).toBe(true);
  });

  test('a slug only where one is expected', () => {
    expect(echoableId('linen-shirt', { slug: true })).toBe(true);
    expect(echoableId('linen-shirt')).toBe(false);
  });

  test('control characters, markup, spaces or great length never', () => {
    for (const value of [
      'a\u0000b',
      'x\u001b[31m',
      'line\nbreak',
      '<b>',
      'two words',
      'a'.repeat(121),
      '',
    ])
      expect(echoableId(value, { slug: true })).toBe(false);
  });
});
