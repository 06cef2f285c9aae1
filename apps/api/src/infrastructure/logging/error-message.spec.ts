import { describe, expect, it } from '@jest/globals';

import { errorMessage } from './error-message.js';

describe('errorMessage', () => {
  it('is the message of an Error, subclasses included', () => {
    class Refused extends Error {}
    expect(errorMessage(new Refused('no stock'))).toBe('no stock');
  });

  it('is the text of anything else thrown', () => {
    expect(errorMessage('socket hang up')).toBe('socket hang up');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
  });
});
