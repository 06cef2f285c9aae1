import { describe, expect, test } from '@jest/globals';

import { createAdapter } from './bootstrap.js';
import { AppConfig } from './infrastructure/config/app-config.js';

describe('createAdapter', () => {
  test("a request held for the whole wait for a catalog hit still gets its deadline's 503 before its socket times out", async () => {
    // The deadline counts from when Fastify gets the request, after the
    // wait, and its sweep may answer up to a second late.
    for (const env of [
      {},
      { REQUEST_TIMEOUT_MS: '30000', CATALOG_CACHE_WAIT_MS: '7500' },
      { REQUEST_TIMEOUT_MS: '120000', CATALOG_CACHE_WAIT_MS: '30000' },
    ]) {
      const config = AppConfig.fromEnv({ NODE_ENV: 'test', ...env });
      const fastify = createAdapter(config).getInstance();
      try {
        expect(fastify.server.timeout).toBeGreaterThan(
          config.catalogCacheWaitMs + config.requestTimeoutMs + 1_000,
        );
      } finally {
        await fastify.close();
      }
    }
  });
});
