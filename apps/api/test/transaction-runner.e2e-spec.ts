import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';

import { onCommit, TransactionRunner } from '../src/infrastructure/database/transaction-runner.js';
import { startTestApp, type TestApp } from './support/test-app.js';

class UseCaseFailed extends Error {}

describe('TransactionRunner', () => {
  let t: TestApp;
  let tx: TransactionRunner;
  let ds: DataSource;

  const pool = () =>
    (
      ds.driver as unknown as {
        master: { totalCount: number; idleCount: number; waitingCount: number };
      }
    ).master;
  const openTransactions = async () => {
    const rows: { n: string }[] = await ds.query(
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
    );
    return Number(rows[0]?.n);
  };

  beforeAll(async () => {
    t = await startTestApp();
    tx = t.get(TransactionRunner);
    ds = t.get(DataSource);
    await ds.query('CREATE TABLE tx_probe (id int PRIMARY KEY)');
  });
  afterAll(async () => {
    await t?.close();
  });

  test('commits what the use case wrote when it returns', async () => {
    const result = await tx.run(async (m) => {
      await m.query('INSERT INTO tx_probe VALUES (1)');
      return 'done';
    });
    expect(result).toBe('done');
    expect(await ds.query('SELECT id FROM tx_probe WHERE id = 1')).toHaveLength(1);
  });

  test('onCommit hooks run once the transaction has committed, and never after a rollback', async () => {
    // What another connection sees when each hook runs: the row only once committed.
    const seen: number[] = [];
    const visible = async (id: number) =>
      ((await t.db.rows('SELECT id FROM tx_probe WHERE id = $1', [id])) as unknown[]).length;
    let hooked: Promise<number> | undefined;
    await tx.run(async (m) => {
      await m.query('INSERT INTO tx_probe VALUES (50)');
      onCommit(m, () => {
        hooked = visible(50);
      });
      seen.push(await visible(50));
    });
    seen.push(await hooked!);
    expect(seen).toEqual([0, 1]);

    let ranAfterRollback = false;
    await expect(
      tx.run(async (m) => {
        await m.query('INSERT INTO tx_probe VALUES (51)');
        onCommit(m, () => {
          ranAfterRollback = true;
        });
        throw new UseCaseFailed('boom');
      }),
    ).rejects.toBeInstanceOf(UseCaseFailed);
    expect(ranAfterRollback).toBe(false);

    // A hook that fails fails nothing: the work committed, the next hook runs.
    const after: string[] = [];
    const result = await tx.run(async (m) => {
      await m.query('INSERT INTO tx_probe VALUES (52)');
      onCommit(m, () => {
        throw new Error('hook failed');
      });
      onCommit(m, async () => {
        after.push('second hook');
      });
      return 'committed';
    });
    expect(result).toBe('committed');
    expect(after).toEqual(['second hook']);
    expect(await visible(52)).toBe(1);

    // Outside a transaction the runner opened there is no commit to wait for.
    expect(() => onCommit(ds.manager, () => undefined)).toThrow(/TransactionRunner/);
  });

  test('a use case that throws leaves nothing written, no open transaction and no leaked client', async () => {
    const before = pool().totalCount;
    for (let i = 0; i < 25; i++) {
      await expect(
        tx.run(async (m) => {
          await m.query('INSERT INTO tx_probe VALUES ($1)', [100 + i]);
          throw new UseCaseFailed('boom');
        }),
      ).rejects.toBeInstanceOf(UseCaseFailed);
    }
    expect(await ds.query('SELECT id FROM tx_probe WHERE id >= 100')).toHaveLength(0);
    expect(await openTransactions()).toBe(0);
    expect(pool().idleCount).toBe(pool().totalCount);
    expect(pool().waitingCount).toBe(0);
    // More failures than the pool has clients would have exhausted it if any leaked.
    expect(pool().totalCount).toBeLessThanOrEqual(Math.max(before, 1) + 1);
  });

  test('a failed statement inside the use case also rolls back and releases', async () => {
    await expect(
      tx.run(async (m) => {
        await m.query('INSERT INTO tx_probe VALUES (2)');
        await m.query('INSERT INTO tx_probe VALUES (2)'); // duplicate key
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await ds.query('SELECT id FROM tx_probe WHERE id = 2')).toHaveLength(0);
    expect(await openTransactions()).toBe(0);
    expect(pool().idleCount).toBe(pool().totalCount);
  });

  test('retries a serialization failure and then succeeds', async () => {
    let attempts = 0;
    const result = await tx.run(
      async () => {
        attempts++;
        if (attempts < 3)
          throw Object.assign(new Error('could not serialize access'), { code: '40001' });
        return attempts;
      },
      { retries: 3 },
    );
    expect(result).toBe(3);
  });

  test('does not retry other errors', async () => {
    let attempts = 0;
    await expect(
      tx.run(
        async () => {
          attempts++;
          throw new UseCaseFailed('no');
        },
        { retries: 3 },
      ),
    ).rejects.toBeInstanceOf(UseCaseFailed);
    expect(attempts).toBe(1);
  });
});
