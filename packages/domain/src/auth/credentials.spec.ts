import { describe, expect, test } from '@jest/globals';

import { accessTokenIsCurrent, passwordResetExpiresAt, resetTokenIsUsable } from './credentials.js';
import { assertAcceptablePassword } from './password-policy.js';

const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1) + minutes * 60_000);

describe('access tokens and the credentials version', () => {
  test('a token issued under the current version is current', () => {
    expect(accessTokenIsCurrent(2, 2)).toBe(true);
  });

  test('a token from before a password change is not', () => {
    expect(accessTokenIsCurrent(1, 2)).toBe(false);
  });

  test('a token without a version counts as version 0', () => {
    expect(accessTokenIsCurrent(undefined, 0)).toBe(true);
    expect(accessTokenIsCurrent(undefined, 1)).toBe(false);
  });
});

describe('password reset tokens', () => {
  const issued = {
    expiresAt: passwordResetExpiresAt(at(0), 3_600),
    usedAt: null,
    credentialsVersion: 3,
  };

  test('expire the TTL after issue', () => {
    expect(issued.expiresAt).toEqual(at(60));
  });

  test('work until they expire', () => {
    expect(resetTokenIsUsable(issued, 3, at(59))).toBe(true);
    expect(resetTokenIsUsable(issued, 3, at(60))).toBe(false);
  });

  test('work once', () => {
    expect(resetTokenIsUsable({ ...issued, usedAt: at(1) }, 3, at(2))).toBe(false);
  });

  test('stop working once the password changed after they were issued', () => {
    expect(resetTokenIsUsable(issued, 4, at(1))).toBe(false);
  });
});

describe('password rules name the field they were checked for', () => {
  test('newPassword', () => {
    expect(() => assertAcceptablePassword('short', 'newPassword')).toThrow(
      expect.objectContaining({
        message: 'newPassword must be at least 8 characters',
        fields: [{ field: 'newPassword', message: 'newPassword must be at least 8 characters' }],
      }),
    );
  });
});
