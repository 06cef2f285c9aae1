import { DataSource } from 'typeorm';

import { waitFor } from './jobs-probe.js';
import type { TestApp } from './test-app.js';

/**
 * Waits for the job that re-applies the events a payment event unblocked
 * (enqueued in the payment's transaction, run by the app's inline worker)
 * to have run: at once when the payment unblocked none, as then there is none.
 * Without an event id, every such job of the app's database.
 */
export async function reappliedAfter(t: TestApp, paymentEventId?: string): Promise<void> {
  const db = t.get(DataSource);
  await waitFor(
    async () => {
      const [row] = (await db.query(
        `SELECT count(*)::int AS n FROM pgboss.job
          WHERE name = 'payments.reapply-deferred-of-payment'
            AND ($1::text IS NULL OR data->>'eventId' = $1)
            AND state IN ('created', 'retry', 'active')`,
        [paymentEventId ?? null],
      )) as { n: number }[];
      return row?.n === 0 ? true : undefined;
    },
    `the re-application of the events ${paymentEventId ?? 'payments'} unblocked`,
  );
}
