import { describe, expect, test } from '@jest/globals';

import { AppConfig } from './app-config.js';
import { ConfigError } from './env.schema.js';

describe('AppConfig', () => {
  describe("jobs' shutdown grace", () => {
    const env = { NODE_ENV: 'test', SHUTDOWN_GRACE_MS: '10000', WORKER_SHUTDOWN_GRACE_MS: '20000' };

    test('in the API (jobs inline), no longer than SHUTDOWN_GRACE_MS', () => {
      expect(AppConfig.fromEnv(env).jobsShutdownGraceMs).toBe(10_000);
      expect(
        AppConfig.fromEnv({ ...env, WORKER_SHUTDOWN_GRACE_MS: '5000' }).jobsShutdownGraceMs,
      ).toBe(5_000);
    });

    test('in the job worker, all of WORKER_SHUTDOWN_GRACE_MS, whatever RUN_WORKER says', () => {
      const worker = AppConfig.forJobWorker({ ...env, RUN_WORKER: 'off' });
      expect(worker.jobsShutdownGraceMs).toBe(20_000);
      expect(worker.runWorker).toBe('inline');
    });
  });

  describe('Redis command timeout', () => {
    test('half a second unless REDIS_COMMAND_TIMEOUT_MS says otherwise', () => {
      expect(AppConfig.fromEnv({ NODE_ENV: 'test' }).redisCommandTimeoutMs).toBe(500);
      expect(
        AppConfig.fromEnv({ NODE_ENV: 'test', REDIS_COMMAND_TIMEOUT_MS: '2000' })
          .redisCommandTimeoutMs,
      ).toBe(2_000);
    });

    test('refuses a value that is not a whole number of milliseconds in range', () => {
      for (const value of ['0', '9', '60001', '1.5', 'soon'])
        expect(() =>
          AppConfig.fromEnv({ NODE_ENV: 'test', REDIS_COMMAND_TIMEOUT_MS: value }),
        ).toThrow(/REDIS_COMMAND_TIMEOUT_MS/);
    });
  });

  describe('registration limit', () => {
    test('10 per client IP per 10 minutes unless REGISTER_RATE_LIMIT_IP / _WINDOW say otherwise', () => {
      const production = {
        NODE_ENV: 'production',
        JWT_SECRET: 'x'.repeat(32),
        STRIPE_WEBHOOK_SECRET: 'whsec_own',
        STRIPE_EMULATOR: 'on',
      };
      expect(AppConfig.fromEnv(production).registrationRateLimit).toEqual({
        perIp: 10,
        windowSeconds: 600,
      });
      expect(
        AppConfig.fromEnv({
          NODE_ENV: 'test',
          REGISTER_RATE_LIMIT_IP: '5000',
          REGISTER_RATE_WINDOW: '60',
        }).registrationRateLimit,
      ).toEqual({ perIp: 5000, windowSeconds: 60 });
    });

    test('refuses a limit or window that is not a positive whole number', () => {
      for (const [name, value] of [
        ['REGISTER_RATE_LIMIT_IP', '0'],
        ['REGISTER_RATE_LIMIT_IP', '2.5'],
        ['REGISTER_RATE_WINDOW', '0'],
        ['REGISTER_RATE_WINDOW', '86401'],
      ] as const)
        expect(() => AppConfig.fromEnv({ NODE_ENV: 'test', [name]: value })).toThrow(name);
    });
  });

  describe('known sign-in addresses', () => {
    test('remembered 14 days unless LOGIN_KNOWN_IP_DAYS says otherwise', () => {
      expect(AppConfig.fromEnv({ NODE_ENV: 'test' }).loginRateLimit.knownIpDays).toBe(14);
      expect(
        AppConfig.fromEnv({ NODE_ENV: 'test', LOGIN_KNOWN_IP_DAYS: '24' }).loginRateLimit
          .knownIpDays,
      ).toBe(24);
    });

    test('refuses more days than a memory store timer can hold, or not whole days', () => {
      for (const value of ['0', '25', '1.5', 'long'])
        expect(() => AppConfig.fromEnv({ NODE_ENV: 'test', LOGIN_KNOWN_IP_DAYS: value })).toThrow(
          /LOGIN_KNOWN_IP_DAYS/,
        );
    });
  });

  describe('Stripe settings', () => {
    const production = {
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      STRIPE_WEBHOOK_SECRET: 'whsec_own',
    };

    test('production refuses to start without a key unless asked to: no money would move', () => {
      expect(() => AppConfig.fromEnv(production)).toThrow(
        /STRIPE_SECRET_KEY is required when NODE_ENV=production/,
      );
      // As docker compose passes an unset key.
      expect(() => AppConfig.fromEnv({ ...production, STRIPE_SECRET_KEY: '' })).toThrow(
        ConfigError,
      );
      // Another Stripe server takes no real key either.
      expect(() => AppConfig.fromEnv({ ...production, STRIPE_API_HOST: 'stripe-mock' })).toThrow(
        /STRIPE_SECRET_KEY is required/,
      );
      expect(() => AppConfig.fromEnv({ ...production, STRIPE_EMULATOR: 'on' })).not.toThrow();
      expect(() =>
        AppConfig.fromEnv({ ...production, STRIPE_SECRET_KEY: 'sk_live_abc' }),
      ).not.toThrow();
    });

    test('production refuses the public development webhook secret, key or not', () => {
      const { STRIPE_WEBHOOK_SECRET: _secret, ...withoutSecret } = production;
      expect(() =>
        AppConfig.fromEnv({ ...withoutSecret, STRIPE_SECRET_KEY: 'sk_live_abc' }),
      ).toThrow(/STRIPE_WEBHOOK_SECRET is required when NODE_ENV=production/);
      expect(() => AppConfig.fromEnv({ ...withoutSecret, STRIPE_EMULATOR: 'on' })).toThrow(
        /STRIPE_WEBHOOK_SECRET is required/,
      );
    });

    test('a key and STRIPE_EMULATOR=on together are refused, as one of them is a mistake', () => {
      expect(() =>
        AppConfig.fromEnv({
          NODE_ENV: 'development',
          STRIPE_SECRET_KEY: 'sk_test_abc',
          STRIPE_EMULATOR: 'on',
        }),
      ).toThrow(/exclude each other/);
    });

    test('outside production the emulator runs by default, and STRIPE_EMULATOR=off turns it off', () => {
      expect(() => AppConfig.fromEnv({ NODE_ENV: 'development' })).not.toThrow();
      expect(() => AppConfig.fromEnv({ NODE_ENV: 'development', STRIPE_EMULATOR: 'off' })).toThrow(
        /STRIPE_EMULATOR=off needs STRIPE_SECRET_KEY/,
      );
      expect(() => AppConfig.fromEnv({ NODE_ENV: 'test', STRIPE_EMULATOR: 'maybe' })).toThrow(
        /STRIPE_EMULATOR must be on or off/,
      );
    });
  });

  describe('payment event lease and duplicate wait', () => {
    test('5 minutes and 5 s unless PAYMENT_EVENT_LEASE_MS and PAYMENT_EVENT_WAIT_MS say otherwise', () => {
      expect(AppConfig.fromEnv({ NODE_ENV: 'test' }).paymentEvents).toEqual({
        leaseMs: 300_000,
        duplicateWaitMs: 5_000,
      });
      expect(
        AppConfig.fromEnv({
          NODE_ENV: 'test',
          PAYMENT_EVENT_LEASE_MS: '60000',
          PAYMENT_EVENT_WAIT_MS: '0',
        }).paymentEvents,
      ).toEqual({ leaseMs: 60_000, duplicateWaitMs: 0 });
    });

    test('refuses a value that is not a whole number of milliseconds in range, naming it', () => {
      for (const value of ['9999', '3600001', '1.5', 'long'])
        expect(() =>
          AppConfig.fromEnv({ NODE_ENV: 'test', PAYMENT_EVENT_LEASE_MS: value }),
        ).toThrow(/PAYMENT_EVENT_LEASE_MS/);
      for (const value of ['-1', '30001', '1.5', 'soon'])
        expect(() => AppConfig.fromEnv({ NODE_ENV: 'test', PAYMENT_EVENT_WAIT_MS: value })).toThrow(
          /PAYMENT_EVENT_WAIT_MS/,
        );
      expect(() => AppConfig.fromEnv({ NODE_ENV: 'test', PAYMENT_EVENT_WAIT_MS: 'soon' })).toThrow(
        'PAYMENT_EVENT_WAIT_MS must be a whole number of milliseconds',
      );
    });
  });

  describe('wait for a catalog hit in Redis', () => {
    test('1 s, or a quarter of REQUEST_TIMEOUT_MS if less, unless CATALOG_CACHE_WAIT_MS says otherwise', () => {
      expect(AppConfig.fromEnv({ NODE_ENV: 'test' }).catalogCacheWaitMs).toBe(1_000);
      expect(
        AppConfig.fromEnv({ NODE_ENV: 'test', REQUEST_TIMEOUT_MS: '2000' }).catalogCacheWaitMs,
      ).toBe(500);
      expect(
        AppConfig.fromEnv({ NODE_ENV: 'test', CATALOG_CACHE_WAIT_MS: '250' }).catalogCacheWaitMs,
      ).toBe(250);
    });

    test('refuses a wait longer than a quarter of the request timeout, or not in whole milliseconds', () => {
      expect(() => AppConfig.fromEnv({ NODE_ENV: 'test', CATALOG_CACHE_WAIT_MS: '7501' })).toThrow(
        'CATALOG_CACHE_WAIT_MS must be at most REQUEST_TIMEOUT_MS / 4',
      );
      for (const value of ['0', '1.5', 'soon'])
        expect(() => AppConfig.fromEnv({ NODE_ENV: 'test', CATALOG_CACHE_WAIT_MS: value })).toThrow(
          /CATALOG_CACHE_WAIT_MS/,
        );
    });
  });

  describe('store currency', () => {
    test('EUR unless STORE_CURRENCY names another currency in use', () => {
      expect(AppConfig.fromEnv({ NODE_ENV: 'test' }).storeCurrency).toBe('EUR');
      expect(AppConfig.fromEnv({ NODE_ENV: 'test', STORE_CURRENCY: 'JPY' }).storeCurrency).toBe(
        'JPY',
      );
    });
    test('refuses a code that is no currency: every checkout would fail at the provider', () => {
      for (const value of ['EUE', 'ABC', 'eur', 'EURO']) {
        expect(() => AppConfig.fromEnv({ NODE_ENV: 'test', STORE_CURRENCY: value })).toThrow(
          /STORE_CURRENCY must be an ISO 4217/,
        );
      }
    });
  });
});
