import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { FlexibleLoginRateLimiter } from '../src/auth/throttling/flexible-login-rate-limiter.js';
import { LoginRateLimiter } from '../src/auth/throttling/login-rate-limiter.js';
import { LogDestination } from '../src/infrastructure/logging/log-destination.js';
import { SilentServer } from './support/silent-server.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { registered } from './support/users.js';

// A file of its own: nestjs-pino keeps its logger in module state, so a
// second app in the same file would log through the first app's settings.

/** Collects the app's JSON log lines. */
class CapturedLog extends LogDestination {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  parsed(): { level: number; msg: string; [field: string]: unknown }[] {
    return this.lines.map((l) => JSON.parse(l) as { level: number; msg: string });
  }
}

/** The name the login limiter's Redis connection gives itself (CLIENT SETNAME). */
const LIMITER_CONNECTION = 'minishop-login-limits';
const anIp = () => `10.${[...randomBytes(3)].join('.')}`;
const WARN = 40;

describe('login throttle with a Redis that connected, then froze', () => {
  let silent: SilentServer;
  let t: TestApp;
  const log = new CapturedLog();

  beforeAll(async () => {
    silent = new SilentServer({ redisHandshake: true });
    const port = await silent.listen();
    t = await startTestApp({
      env: {
        REDIS_URL: `redis://127.0.0.1:${port}`,
        REDIS_COMMAND_TIMEOUT_MS: '200',
        LOGIN_RATE_LIMIT: '2',
        LOG_LEVEL: 'info',
      },
      override: (b) => b.overrideProvider(LogDestination).useValue(log),
    });
  });
  afterAll(async () => {
    await t?.close();
    await silent?.close();
  });

  const login = (email: string, password: string) =>
    t.http.post('/api/v1/auth/login').set('X-Forwarded-For', anIp()).send({ email, password });

  test('POST /auth/login meets the frozen store once per attempt, not once per limit, and the limit holds', async () => {
    expect((t.get(LoginRateLimiter) as FlexibleLoginRateLimiter).storage).toBe('redis');
    const u = await registered(t);
    // Each unanswered command is one REDIS_COMMAND_TIMEOUT_MS of waiting.
    const sentPerAttempt: number[] = [];
    for (const expected of [200, 200, 429]) {
      const before = silent.unansweredFrom(LIMITER_CONNECTION);
      await login(u.email, u.password).expect(expected);
      sentPerAttempt.push(silent.unansweredFrom(LIMITER_CONNECTION) - before);
    }
    // Both limits apply (per IP first, then per e-mail), yet one command each.
    expect(sentPerAttempt).toEqual([1, 1, 1]);
  });

  test('the outage is logged once, as a warning saying logins fail open to per-process counters', async () => {
    const u = await registered(t);
    for (const expected of [401, 401, 429]) {
      await login(u.email, 'not the password at all').expect(expected);
    }
    const outage = log.parsed().filter((l) => l.msg.startsWith('login throttle store'));
    expect(outage).toHaveLength(1);
    expect(outage[0]).toMatchObject({
      level: WARN,
      context: 'LoginRateLimiter',
      store: 'redis',
      failMode: 'open',
      fallback: 'process-memory',
      err: { message: 'Command timed out' },
    });
    expect(outage[0]!.msg).toMatch(/failing open/);
  });
});
