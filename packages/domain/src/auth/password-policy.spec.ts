import { describe, expect, test } from '@jest/globals';

import { WeakPasswordError } from './auth.errors.js';
import {
  assertAcceptablePassword,
  normalizeEmail,
  normalizePassword,
  passwordCandidates,
} from './password-policy.js';

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
      expect(() => assertAcceptablePassword('😀'.repeat(128))).not.toThrow();
      expect(() => assertAcceptablePassword('😀'.repeat(129))).toThrow(/at most 128/);
    });
    test('counts a variation selector as a character, as the OpenAPI maxLength does', () => {
      // U+2764 U+FE0F is one emoji on screen but two code points.
      expect(() => assertAcceptablePassword('\u2764\ufe0f'.repeat(64))).not.toThrow();
      expect(() => assertAcceptablePassword('\u2764\ufe0f'.repeat(64) + 'x')).toThrow(
        /at most 128/,
      );
    });
    test('the normalised password must be long enough too', () => {
      // 8 code points as sent, 4 once e + combining accent become é.
      expect(() => assertAcceptablePassword('e\u0301'.repeat(4))).toThrow(/at least 8/);
      expect(() => assertAcceptablePassword('e\u0301'.repeat(8))).not.toThrow();
    });
    test('the normalised password must not grow past the maximum', () => {
      // U+FB01 (ﬁ) is one code point as sent and two ("fi") once normalised.
      expect(() => assertAcceptablePassword('\ufb01'.repeat(64))).not.toThrow();
      expect(() => assertAcceptablePassword('\ufb01'.repeat(65))).toThrow(/at most 128/);
    });
    test('what the OpenAPI bounds refuse as sent stays refused, however it normalises', () => {
      // 129 code points as sent, 65 once normalised.
      expect(() => assertAcceptablePassword('e\u0301'.repeat(64) + 'x')).toThrow(/at most 128/);
    });
  });

  describe('common passwords', () => {
    test('refuses a listed password whatever its case', () => {
      expect(() => assertAcceptablePassword('password123')).toThrow(/too common/);
      expect(() => assertAcceptablePassword('PassWord123')).toThrow(/too common/);
      expect(() => assertAcceptablePassword('12345678')).toThrow(/too common/);
    });
    test('refuses a listed password in another Unicode form (full-width)', () => {
      expect(() =>
        assertAcceptablePassword('\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44123'),
      ).toThrow(/too common/);
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

describe('normalizePassword', () => {
  test('one form whatever the keyboard sent: NFKC', () => {
    const composed = 'caf\u00e9 au lait';
    expect(normalizePassword('cafe\u0301 au lait')).toBe(composed);
    expect(normalizePassword(composed)).toBe(composed);
    expect(normalizePassword('\uff11\uff12\uff13abc')).toBe('123abc');
  });
  test('keeps case and surrounding spaces: they are part of the secret', () => {
    expect(normalizePassword(' Tr0ub4dor ')).toBe(' Tr0ub4dor ');
  });
});

describe('passwordCandidates', () => {
  test('an already normalised password is tried once', () => {
    expect(passwordCandidates('correct horse battery staple')).toEqual([
      'correct horse battery staple',
    ]);
  });
  test('another form is tried normalised first, then as typed (hashes made before NFKC)', () => {
    expect(passwordCandidates('cafe\u0301 cre\u0300me')).toEqual([
      'caf\u00e9 cr\u00e8me',
      'cafe\u0301 cre\u0300me',
    ]);
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
