import { describe, expect, test } from '@jest/globals';

import { CartLineNotFoundError, CartVariantNotFoundError } from './cart.errors.js';

const WELL_FORMED = '0b7d9c2e-5a41-4e3f-8b6a-2c1d0e9f8a7b';
const MALFORMED = ['\u0000', 'a\u0000b', 'x\u001b[31mred', 'line\nInjected: yes', 'not-a-uuid', ''];

describe('cart not-found errors', () => {
  describe('CartLineNotFoundError', () => {
    test('names a well-formed line id', () => {
      expect(new CartLineNotFoundError(WELL_FORMED).message).toContain(WELL_FORMED);
    });

    test.each(MALFORMED)(
      'does not echo the malformed id %j, and says it is not a valid id',
      (id) => {
        const { message } = new CartLineNotFoundError(id);
        if (id !== '') expect(message).not.toContain(id);
        expect(message).not.toMatch(/\p{Cc}/u);
        expect(message).toMatch(/not a valid id/);
      },
    );
  });

  describe('CartVariantNotFoundError', () => {
    test('names a well-formed variant id', () => {
      expect(new CartVariantNotFoundError(WELL_FORMED).message).toContain(WELL_FORMED);
    });

    test.each(MALFORMED)('does not echo the malformed id %j', (id) => {
      const { message } = new CartVariantNotFoundError(id);
      if (id !== '') expect(message).not.toContain(id);
      expect(message).not.toMatch(/\p{Cc}/u);
      expect(message).toMatch(/not a valid id/);
    });
  });
});
