import type { Pool } from 'pg';

/**
 * `SELECT 1` on a pooled connection, failing when it is not answered within
 * `timeoutMs`. A connection that did not answer is thrown away, not handed
 * back: one that died silently (a failover, a NAT that forgot the flow)
 * answers nothing until TCP gives up, some fifteen minutes, and every later
 * check given it would wait as long, failing on after the database is back.
 */
export async function pingDatabase(pool: Pool, timeoutMs: number): Promise<void> {
  // The pool bounds the wait for a connection itself (connectionTimeoutMillis).
  const client = await pool.connect();
  let timer: NodeJS.Timeout | undefined;
  // A connection lost while held here (the database restarting, the very
  // outage this check reports) is also an 'error' event on the client,
  // which unheard would end the process; the query rejects with it.
  const lost = () => undefined;
  client.on('error', lost);
  const query = client.query('SELECT 1');
  try {
    await Promise.race([
      query,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the database did not answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    client.release();
  } catch (error) {
    // Settles once the connection is destroyed below.
    query.catch(() => undefined);
    client.release(error instanceof Error ? error : true);
    throw error;
  } finally {
    clearTimeout(timer);
    client.removeListener('error', lost);
  }
}
