import pg from 'pg';

import { SESSION_SETTINGS } from '../infrastructure/database/session-settings.js';

/**
 * The connection pool pg-boss runs on (through preparingDb). Its fetch and
 * complete filter a table partitioned by queue with a parameter, so for
 * every call PostgreSQL judges a custom plan cheaper than the generic one
 * and plans the statement anew, prepared or not: about a millisecond each,
 * several times what running it costs, on every batch a busy worker takes.
 * A generic plan prunes the partitions when it runs, and is made once per
 * connection.
 */
export function jobsPool(url: string, max: number): pg.Pool {
  return new pg.Pool({
    connectionString: url,
    max,
    // Past the longest idle wait of a loop (pg-boss-runtime's pollingSpread,
    // at most 1.25 x 2 s), so a polling loop keeps its connection, while the
    // ones a burst opened (every loop's first fetch, a batch's completions)
    // close within seconds instead of pg's default 10.
    idleTimeoutMillis: 3_000,
    // As the main pool's (data-source-options.ts): a fetch on a connection
    // whose server vanished silently would hold its loop for good.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'minishop-jobs',
    options: `${SESSION_SETTINGS} -c plan_cache_mode=force_generic_plan`,
  });
}
