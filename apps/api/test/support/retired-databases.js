// Drops the test databases that test files retired (test-database.ts): all
// at once, so that PostgreSQL's checkpoint on each DROP DATABASE is shared.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

export const RETIRED_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../test-output/retired-databases',
);
const AT_ONCE = 8;

export async function dropRetiredDatabases(adminUrl) {
  if (!existsSync(RETIRED_DIR)) return;
  const names = readdirSync(RETIRED_DIR).filter((n) => /^minishop_t_[0-9a-f]+$/.test(n));
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
