import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import {
  FlexibleLoginRateLimiter,
  STORE_RETRY_AFTER_MS,
} from '../src/auth/throttling/flexible-login-rate-limiter.js';
import { LoginRateLimiter } from '../src/auth/throttling/login-rate-limiter.js';
import { Clock } from '../src/infrastructure/clock/clock.js';
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

/** Time that moves only when the test says so. */
class ManualClock extends Clock {
  at = Date.now();
  now(): Date {
    return new Date(this.at);
  }
}

describe('login throttle with a Redis that connected, then froze', () => {
  let silent: SilentServer;
  let t: TestApp;
  const log = new CapturedLog();
  const clock = new ManualClock();

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
      override: (b) =>
        b.overrideProvider(LogDestination).useValue(log).overrideProvider(Clock).useValue(clock),
    });
  });
  afterAll(async () => {
    await t?.close();
    await silent?.close();
  });

  const login = (email: string, password: string) =>
    t.http.post('/api/v1/auth/login').set('X-Forwarded-For', anIp()).send({ email, password });

  test('POST /auth/login meets the frozen store once, then counts in memory until it is time to try it again; the limit holds', async () => {
    expect((t.get(LoginRateLimiter) as FlexibleLoginRateLimiter).storage).toBe('redis');
    const u = await registered(t);
    const v = await registered(t);
    // Registering met the frozen store first (it remembers the address);
    // once its pause is over, the next login asks again.
    clock.at += STORE_RETRY_AFTER_MS;
    // Each unanswered command is one REDIS_COMMAND_TIMEOUT_MS of waiting.
    const sent = async (email: string, password: string, expected: number) => {
      const before = silent.unansweredFrom(LIMITER_CONNECTION);
      await login(email, password).expect(expected);
      return silent.unansweredFrom(LIMITER_CONNECTION) - before;
    };
    // The first attempt finds the store frozen (one command for both limits,
    // per IP then per e-mail); the next ones do not ask it.
    const first = [];
    for (const expected of [200, 200, 429]) first.push(await sent(u.email, u.password, expected));
    expect(first).toEqual([1, 0, 0]);
    // Once the pause is over, one attempt asks again.
    clock.at += STORE_RETRY_AFTER_MS;
    expect(await sent(v.email, v.password, 200)).toBe(1);
    expect(await sent(v.email, v.password, 200)).toBe(0);
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
