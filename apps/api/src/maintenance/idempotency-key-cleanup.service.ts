import { Injectable } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { deleteInBatches } from './batched-delete.js';

/**
 * Hours an Idempotency-Key is remembered. A client retries within minutes;
 * Stripe's own keys live 24 hours, and a key reused after that is a new
 * request, as Stripe treats it. Checkout is the exception: an order keeps
 * the key it was placed with and its body's hash, so a checkout sent again
 * with it, however late, is answered with that order, never a second one,
 * or refused (422) when it sends another body. Refunds are one
 * too: a refund's booking keeps the key's provider key, so the key sent
 * again for that order is a 422, never a second refund (RefundService).
 */
export const IDEMPOTENCY_KEY_RETENTION_HOURS = 24;

@Injectable()
export class IdempotencyKeyCleanupService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  /**
   * Deletes completed keys older than the window. A key still `in_progress`
   * is kept for a week: its request may still be running, and removing it
   * would let a retry run the same checkout twice; after a week it can only
   * be the trace of a crashed request.
   */
  async prune(now: Date = this.clock.now()): Promise<number> {
    const cutoff = new Date(now.getTime() - IDEMPOTENCY_KEY_RETENTION_HOURS * 3_600_000);
    return deleteInBatches(
      this.tx,
      'idempotency_keys',
      "created_at < $1 AND (status = 'completed' OR created_at < $2)",
      [cutoff, new Date(now.getTime() - 7 * 86_400_000)],
    );
  }
}
