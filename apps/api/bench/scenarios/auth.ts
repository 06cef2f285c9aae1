import type { Scenario } from '../scenario.js';
import { customer } from './fixtures.js';

/**
 * Slot for the auth feature. Login hashes with argon2 and is rate limited:
 * expect low figures and many 429s by design; the figure that matters is
 * the p99 of the 200s.
 */
export const login: Scenario = {
  name: 'POST /auth/login',
  target: 'api',
  setup: async (ctx) => {
    const user = await customer(ctx);
    return [
      {
        method: 'POST',
        path: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: user.email, password: user.password }),
      },
    ];
  },
};
