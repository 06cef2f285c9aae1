import { guestCartExpiryCutoff } from '@minishop/domain';
import { Injectable } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { CartRepository } from './cart.repository.js';

const BATCH = 500;

/**
 * Expires guest carts untouched (no line change) for 30 days; their tokens
 * stop working. User carts never expire. Meant for a scheduled job and the
 * CLI; each batch is its own short transaction so a large backlog never
 * holds many row locks at once.
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
    let total = 0;
    for (;;) {
      const expired = await this.transactions.run((m) =>
        this.carts.expireGuestCarts(cutoff, BATCH, m),
      );
      total += expired;
      if (expired < BATCH) return total;
    }
  }
}
