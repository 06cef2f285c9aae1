import { describe, expect, test } from '@jest/globals';
import type { Pool } from 'pg';

import { preparingDb } from './preparing-db.js';

/** A pool that records what it was asked to run. */
function recordingPool() {
  const calls: unknown[] = [];
  let ended = false;
  const pool = {
    query: async (config: unknown, values?: unknown[]) => {
      calls.push(values === undefined ? config : { text: config, values });
      return { rows: [], rowCount: 0 };
    },
    end: async () => {
      ended = true;
    },
  };
  return { pool: pool as unknown as Pool, calls, ended: () => ended };
}

describe('preparingDb', () => {
  test('prepares a parameterised text from its second run on, under one name', async () => {
    const { pool, calls } = recordingPool();
    const db = preparingDb(pool);
    const text = 'SELECT * FROM pgboss.job WHERE name = $1';
    await db.executeSql(text, ['a']);
    await db.executeSql(text, ['b']);
    await db.executeSql(text, ['c']);
    expect(calls[0]).toEqual({ text, values: ['a'] });
    expect(calls[1]).toEqual({ name: expect.stringMatching(/^ms_/), text, values: ['b'] });
    expect(calls[2]).toEqual({ name: (calls[1] as { name: string }).name, text, values: ['c'] });
  });

  test('never prepares a text without parameters: it may hold several statements', async () => {
    const { pool, calls } = recordingPool();
    const db = preparingDb(pool);
    const script = 'BEGIN; SELECT pg_advisory_xact_lock(1); SELECT 1; COMMIT';
    await db.executeSql(script, []);
    await db.executeSql(script, []);
    await db.executeSql(script, []);
    for (const call of calls) expect(call).toEqual({ text: script, values: [] });
  });

  test('after close the pool is ended and later calls are ignored, as pg-boss expects', async () => {
    const { pool, calls, ended } = recordingPool();
    const db = preparingDb(pool);
    await db.close();
    expect(ended()).toBe(true);
    expect(await db.executeSql('SELECT $1', [1])).toBeUndefined();
    expect(calls).toHaveLength(0);
  });
});
