import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Extensions later migrations rely on: UUID generation and trigram search. */
export class Initial1732500000000 implements MigrationInterface {
  name = 'Initial1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE EXTENSION IF NOT EXISTS pgcrypto');
    await q.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  }

  async down(): Promise<void> {
    // Extensions may be shared with other schemas; leave them.
  }
}
