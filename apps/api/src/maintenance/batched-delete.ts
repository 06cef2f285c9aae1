import type { TransactionRunner } from '../infrastructure/database/transaction-runner.js';

const BATCH = 1000;

/**
 * Deletes the rows of `table` matching `where` ($1.. bound to `params`) in
 * batches of 1000, each its own short transaction, so a large backlog never
 * holds many row locks or one long transaction. Returns how many went.
 */
export async function deleteInBatches(
  tx: TransactionRunner,
  table: string,
  where: string,
  params: unknown[],
): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await tx.run(async (m) => {
      const [, count] = (await m.query(
        `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
           SELECT ctid FROM ${table} WHERE ${where} LIMIT ${BATCH} FOR UPDATE SKIP LOCKED))`,
        params,
      )) as [unknown, number];
      return count;
    });
    total += deleted;
    if (deleted < BATCH) return total;
  }
}
