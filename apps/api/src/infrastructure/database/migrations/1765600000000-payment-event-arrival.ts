import type { MigrationInterface, QueryRunner } from 'typeorm';

import { createIndexConcurrently, dropIndexConcurrently } from '../concurrent-index.js';

/**
 * How each payment event first arrived: by its webhook, or taken in by the
 * catch-up because its webhook never came. The catch-up runs in the worker
 * (or the command line), whose metrics nobody scrapes; recorded on the row,
 * what it took in is counted on the API's /metrics at scrape time.
 *
 * payment_events is kept for good and only grows, so nothing here holds off
 * the webhook's inserts for longer than a catalog update: the column comes
 * with a constant default (no rewrite), its check is validated without
 * blocking writes, and the index, over the few caught-up rows only, is
 * built concurrently. Outside a transaction, so each step is skipped when
 * a run cut off before it is run again.
 */
export class PaymentEventArrival1765600000000 implements MigrationInterface {
  name = 'PaymentEventArrival1765600000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    const existing = (await q.query(
      `SELECT 1 FROM pg_attribute
        WHERE attrelid = 'payment_events'::regclass AND attname = 'arrived_via' AND NOT attisdropped`,
    )) as unknown[];
    if (existing.length === 0) {
      // One statement: the column never exists without its check.
      await q.query(`
        ALTER TABLE payment_events
          ADD COLUMN arrived_via text NOT NULL DEFAULT 'webhook',
          ADD CONSTRAINT payment_events_arrived_via_check
            CHECK (arrived_via IN ('webhook', 'catch-up')) NOT VALID`);
    }
    await q.query(
      'ALTER TABLE payment_events VALIDATE CONSTRAINT payment_events_arrived_via_check',
    );
    // The scrape counts the last hour's caught-up events: a range of this index.
    await createIndexConcurrently(
      q,
      'payment_events_caught_up_idx',
      `payment_events (received_at) WHERE arrived_via = 'catch-up'`,
    );
  }

  // TypeORM's own revert command ignores `transaction = false`: run it with
  // `-t none`, or CONCURRENTLY refuses to run.
  async down(q: QueryRunner): Promise<void> {
    await dropIndexConcurrently(q, 'payment_events_caught_up_idx');
    await q.query('ALTER TABLE payment_events DROP COLUMN IF EXISTS arrived_via');
  }
}
