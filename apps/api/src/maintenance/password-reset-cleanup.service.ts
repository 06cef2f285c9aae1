import { Injectable } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { deleteInBatches } from './batched-delete.js';

/** Days a password reset token is kept after it expired: long enough to look into a complaint. */
export const PASSWORD_RESET_RETENTION_DAYS = 7;

@Injectable()
export class PasswordResetCleanupService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  /** Deletes reset tokens expired more than the retention window ago, used or not. */
  async prune(now: Date = this.clock.now()): Promise<number> {
    const cutoff = new Date(now.getTime() - PASSWORD_RESET_RETENTION_DAYS * 86_400_000);
    return deleteInBatches(this.tx, 'password_reset_tokens', 'expires_at < $1', [cutoff]);
  }
}
