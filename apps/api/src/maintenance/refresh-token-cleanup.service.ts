import { Injectable } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { deleteInBatches } from './batched-delete.js';

/**
 * Days a refresh token is kept after it expired or its family was revoked.
 * A spent token must outlive its use: presenting it again is how a stolen
 * token is detected (the family is revoked), so spent tokens go only once
 * they would be refused anyway.
 */
export const REFRESH_TOKEN_RETENTION_DAYS = 7;

@Injectable()
export class RefreshTokenCleanupService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  /** Deletes tokens expired, or revoked, more than the retention window ago. */
  async prune(now: Date = this.clock.now()): Promise<number> {
    const cutoff = new Date(now.getTime() - REFRESH_TOKEN_RETENTION_DAYS * 86_400_000);
    return deleteInBatches(this.tx, 'refresh_tokens', 'expires_at < $1 OR revoked_at < $1', [
      cutoff,
    ]);
  }
}
