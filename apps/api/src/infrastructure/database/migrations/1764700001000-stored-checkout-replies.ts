import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A checkout's reply is stored for its Idempotency-Key (24 h) and replayed
 * as stored. Replies stored before the order gained `amountReturnedOutside`
 * and `foreignPayment` would replay without them, breaking the contract for
 * a client that retries across an upgrade. A new order has returned nothing
 * and holds no foreign money: its `amountRefunded` (zero, in the order's
 * currency, formatted) and null are what it would say now.
 */
export class StoredCheckoutReplies1764700001000 implements MigrationInterface {
  name = 'StoredCheckoutReplies1764700001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE idempotency_keys
         SET response_body = jsonb_set(response_body, '{order,amountReturnedOutside}',
                                       response_body #> '{order,amountRefunded}')
       WHERE scope = 'checkout' AND status = 'completed'
         AND response_body #> '{order,amountRefunded}' IS NOT NULL
         AND response_body #> '{order,amountReturnedOutside}' IS NULL`);
    await q.query(`
      UPDATE idempotency_keys
         SET response_body = jsonb_set(response_body, '{order,foreignPayment}', 'null'::jsonb)
       WHERE scope = 'checkout' AND status = 'completed'
         AND response_body ? 'order' AND NOT (response_body -> 'order') ? 'foreignPayment'`);
  }

  async down(): Promise<void> {
    // Replies keep the fields: an older version ignores what it does not know.
  }
}
