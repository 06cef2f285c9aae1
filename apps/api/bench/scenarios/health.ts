import type { Scenario } from '../scenario.js';

/** The whole Nest/Fastify pipeline (hooks, logging, metrics, interceptors) with no I/O. */
export const healthLive: Scenario = {
  name: 'GET /health/live',
  target: 'api',
  setup: async () => [{ method: 'GET', path: '/health/live' }],
};

/** One database round trip per request through the pool. */
export const healthReady: Scenario = {
  name: 'GET /health/ready',
  target: 'api',
  setup: async () => [{ method: 'GET', path: '/health/ready' }],
};
