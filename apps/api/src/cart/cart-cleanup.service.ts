import { closedGuestCartDeletionCutoff, guestCartExpiryCutoff } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { Clock } from '../infrastructure/clock/clock.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { CartRepository } from './cart.repository.js';

const BATCH = 500;

/**
 * Expires guest carts untouched (no line change) for 30 days; their tokens
 * stop working. User carts never expire. Guest carts closed 30 days ago
 * (expired, or merged into an account's cart) are deleted with their lines.
 * Meant for a scheduled job and the CLI; each batch is its own short
 * transaction so a large backlog never holds many row locks at once.
 */
@Injectable()
export class CartCleanupService {
  constructor(
    private readonly carts: CartRepository,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  /** Returns how many carts were expired. */
  async expireAbandoned(now: Date = this.clock.now()): Promise<number> {
    const cutoff = guestCartExpiryCutoff(now);
    return this.inBatches((m) => this.carts.expireGuestCarts(cutoff, BATCH, m));
  }

  /** Returns how many closed guest carts were deleted. */
  async deleteClosed(now: Date = this.clock.now()): Promise<number> {
    const cutoff = closedGuestCartDeletionCutoff(now);
    return this.inBatches((m) => this.carts.deleteClosedGuestCarts(cutoff, BATCH, m));
  }

  private async inBatches(batch: (m: EntityManager) => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const done = await this.transactions.run(batch);
      total += done;
      if (done < BATCH) return total;
    }
  }
}
