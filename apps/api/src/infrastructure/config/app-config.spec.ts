import { describe, expect, test } from '@jest/globals';

import { AppConfig } from './app-config.js';

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
});
