import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A delivery claims a payment event before it prepares it (the step that
 * may call Stripe), so a duplicate delivery arriving meanwhile waits instead
 * of calling Stripe a second time. The claim is a lease: a process that
 * dies while holding it leaves a `claimed_until` in the past, and the next
 * delivery takes the event over. `claim_token` tells the holder's own
 * release from a later holder's.
 */
export class PaymentEventClaims1764400000000 implements MigrationInterface {
  name = 'PaymentEventClaims1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE payment_events
        ADD COLUMN claim_token uuid,
        ADD COLUMN claimed_until timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE payment_events DROP COLUMN claimed_until, DROP COLUMN claim_token`);
  }
}
