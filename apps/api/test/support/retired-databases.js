// Drops the test databases that test files retired (test-database.ts): all
// at once, so that PostgreSQL's checkpoint on each DROP DATABASE is shared.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, URL } from 'node:url';

import { Redis } from 'ioredis';
import pg from 'pg';

export const RETIRED_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../test-output/retired-databases',
);
const AT_ONCE = 8;

export async function dropRetiredDatabases(adminUrl) {
  if (!existsSync(RETIRED_DIR)) return;
  const names = readdirSync(RETIRED_DIR).filter((n) => /^minishop_t_[0-9a-f]+$/.test(n));
  await forgetLoginCounters(adminUrl, names);
  const queue = [...names];
  const dropOne = async (client) => {
    for (let name = queue.shift(); name; name = queue.shift()) {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      rmSync(resolve(RETIRED_DIR, name), { force: true });
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(AT_ONCE, names.length) }, async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await dropOne(client);
      } finally {
        await client.end();
      }
    }),
  );
}

/**
 * The login counters the test apps kept in the Redis of REDIS_URL for these
 * databases: known addresses last days, and every test sign-in leaves some.
 * A shop's keys are named as loginThrottleKeyPrefix
 * (src/auth/throttling/flexible-login-rate-limiter.ts) names them, from the
 * database URL a test app was given (test-database.ts builds it so).
 */
async function forgetLoginCounters(adminUrl, names) {
  if (!process.env.REDIS_URL || names.length === 0) return;
  const shops = new Set(
    names.map((name) => {
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return createHash('sha256').update(url.toString()).digest('hex').slice(0, 12);
    }),
  );
  const redis = new Redis(process.env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    for await (const keys of redis.scanStream({ match: 'minishop:login:*', count: 1000 })) {
      const ours = keys.filter((key) => shops.has(key.split(':')[2]));
      if (ours.length > 0) await redis.unlink(...ours);
    }
  } finally {
    redis.disconnect();
  }
}
