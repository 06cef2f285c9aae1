import { describe, expect, test } from '@jest/globals';

import { WeakPasswordError } from './auth.errors.js';
import { assertAcceptablePassword, normalizeEmail } from './password-policy.js';

describe('password policy', () => {
  describe('length', () => {
    test('refuses fewer than 8 characters', () => {
      expect(() => assertAcceptablePassword('abc1234')).toThrow(WeakPasswordError);
      expect(() => assertAcceptablePassword('abc1234')).toThrow(/at least 8/);
    });
    test('accepts 8 and 128 characters', () => {
      expect(() => assertAcceptablePassword('tr0ub4d!')).not.toThrow();
      expect(() => assertAcceptablePassword('x'.repeat(128))).not.toThrow();
    });
    test('refuses more than 128 characters', () => {
      expect(() => assertAcceptablePassword('x'.repeat(129))).toThrow(/at most 128/);
    });
    test('counts characters, not UTF-16 units', () => {
      // 7 emoji are 14 UTF-16 units but 7 characters.
      expect(() => assertAcceptablePassword('😀'.repeat(7))).toThrow(/at least 8/);
      expect(() => assertAcceptablePassword('😀'.repeat(8))).not.toThrow();
    });
  });

  describe('common passwords', () => {
    test('refuses a listed password whatever its case', () => {
      expect(() => assertAcceptablePassword('password123')).toThrow(/too common/);
      expect(() => assertAcceptablePassword('PassWord123')).toThrow(/too common/);
      expect(() => assertAcceptablePassword('12345678')).toThrow(/too common/);
    });
    test('accepts an unlisted one', () => {
      expect(() => assertAcceptablePassword('correct horse battery staple')).not.toThrow();
    });
  });

  test('the error names the password field', () => {
    try {
      assertAcceptablePassword('short');
      throw new Error('expected a WeakPasswordError');
    } catch (error) {
      expect(error).toBeInstanceOf(WeakPasswordError);
      expect((error as WeakPasswordError).fields[0]?.field).toBe('password');
      expect((error as WeakPasswordError).code).toBe('AUTH.WEAK_PASSWORD');
    }
  });
});

describe('normalizeEmail', () => {
  test('trims and lower-cases', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
  });

  test('one spelling per address whatever its Unicode form', () => {
    const composed = 'jos\u00e9@example.com';
    expect(normalizeEmail('jose\u0301@example.com')).toBe(composed);
    expect(normalizeEmail('JOS\u00c9@EXAMPLE.COM')).toBe(composed);
    // full-width and other compatibility forms fold to the plain letters
    expect(normalizeEmail('\uff21\uff44\uff41@example.com')).toBe('ada@example.com');
    expect(normalizeEmail('\u210cal@example.com')).toBe('hal@example.com');
  });
});
