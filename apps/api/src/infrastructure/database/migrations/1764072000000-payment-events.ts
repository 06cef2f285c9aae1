import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Stripe webhook events, stored before they are applied (exactly once per event id). */
export class PaymentEvents1764072000000 implements MigrationInterface {
  name = 'PaymentEvents1764072000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payment_events (
        id               text PRIMARY KEY,
        type             text NOT NULL,
        object_id        text,
        payload          jsonb NOT NULL,
        status           text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'processed', 'deferred', 'ignored', 'failed')),
        attempts         integer NOT NULL DEFAULT 0,
        last_error       text,
        event_created_at timestamptz NOT NULL,
        received_at      timestamptz NOT NULL DEFAULT now(),
        processed_at     timestamptz
      )`);
    await q.query('CREATE INDEX payment_events_object_id_idx ON payment_events (object_id)');
    // reprocessDeferred scans only the few events still waiting.
    await q.query(
      `CREATE INDEX payment_events_open_idx ON payment_events (event_created_at)
        WHERE status IN ('deferred', 'failed')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE payment_events');
  }
}
