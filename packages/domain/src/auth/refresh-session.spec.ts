import { describe, expect, test } from '@jest/globals';

import { newSessionLimits, rotatedSessionLimits } from './refresh-session.js';

const DAY = 86_400;
const policy = { ttlSeconds: 30 * DAY, maxAgeSeconds: 90 * DAY };
const at = (days: number) => new Date(Date.UTC(2026, 0, 1) + days * DAY * 1000);

describe('refresh session limits', () => {
  test("a sign-in's token lives the TTL; its session ends after the maximum age", () => {
    expect(newSessionLimits(policy, at(0))).toEqual({ expiresAt: at(30), sessionEndsAt: at(90) });
  });

  test('a rotation keeps the session end and gets a fresh TTL inside it', () => {
    expect(rotatedSessionLimits(policy, at(20), at(90))).toEqual({
      expiresAt: at(50),
      sessionEndsAt: at(90),
    });
  });

  test('near the end of its session a rotated token expires with the session', () => {
    expect(rotatedSessionLimits(policy, at(80), at(90))).toEqual({
      expiresAt: at(90),
      sessionEndsAt: at(90),
    });
  });

  test('a maximum age below the TTL bounds even the first token', () => {
    expect(newSessionLimits({ ttlSeconds: 30 * DAY, maxAgeSeconds: 7 * DAY }, at(0))).toEqual({
      expiresAt: at(7),
      sessionEndsAt: at(7),
    });
  });

  test('a session with no recorded end gets one from its first rotation on', () => {
    expect(rotatedSessionLimits(policy, at(10), null)).toEqual({
      expiresAt: at(40),
      sessionEndsAt: at(100),
    });
  });
});
