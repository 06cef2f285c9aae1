import type { Scenario } from '../scenario.js';

/** A large, precomputed JSON document: serialisation and compression-free throughput. */
export const openapiDocument: Scenario = {
  name: 'GET /docs/openapi.json',
  target: 'api',
  setup: async () => [{ method: 'GET', path: '/docs/openapi.json' }],
};
