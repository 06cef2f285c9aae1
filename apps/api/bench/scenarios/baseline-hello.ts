import type { Scenario } from '../scenario.js';

/** A bare Fastify hello world: the ceiling every other figure is compared with. */
export const baselineHello: Scenario = {
  name: 'baseline fastify hello',
  target: 'baseline',
  setup: async () => [{ method: 'GET', path: '/' }],
};
