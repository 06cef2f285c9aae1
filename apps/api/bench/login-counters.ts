import { Redis } from 'ioredis';

import { loginThrottleKeyPrefix } from '../src/auth/throttling/flexible-login-rate-limiter.js';

/**
 * Drops the login counters the API kept in the Redis of REDIS_URL for a
 * database the bench is done with: each bench buyer's sign-in leaves keys
 * that last LOGIN_KNOWN_IP_DAYS, a thousand or so per run.
 */
export async function forgetLoginCounters(
  databaseUrl: string | undefined,
  dataDir: string,
): Promise<void> {
  const url = process.env.REDIS_URL;
  if (!url) return;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const match = `${loginThrottleKeyPrefix(databaseUrl, dataDir)}:*`;
    for await (const keys of redis.scanStream({ match, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}
