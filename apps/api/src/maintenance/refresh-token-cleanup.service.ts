import { Injectable } from '@nestjs/common';

import { TOKEN_FAMILY_RETRIES } from '../auth/token-family.js';
import { Clock } from '../infrastructure/clock/clock.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { deleteInBatches } from './batched-delete.js';

/**
 * Days a refresh token is kept after it expired or its family was revoked.
 * A spent token must outlive its use: presenting it again is how a stolen
 * token is detected (the family is revoked). Its own expiry is not that:
 * a family rotated by a thief lives on past it (up to the session's end),
 * and the owner's old token, deleted, would be refused as unknown without
 * revoking anything. So an expired token goes only once no token of its
 * family is live.
 */
export const REFRESH_TOKEN_RETENTION_DAYS = 7;

@Injectable()
export class RefreshTokenCleanupService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  /**
   * Deletes tokens revoked more than the retention window ago, and those
   * expired that long ago whose family has no live token left.
   */
  async prune(now: Date = this.clock.now()): Promise<number> {
    // A refresh racing a family's revocation can commit one token the
    // revocation did not see. It is refused only because a revoked token of
    // its family still exists: revoke it before that evidence is deleted,
    // or the session would come back to life. Rows locked in id order, as
    // revokeFamily does, so a concurrent revocation cannot deadlock with us.
    await this.tx.run(
      (m) =>
        m.query(
          `UPDATE refresh_tokens SET revoked_at = $1
            WHERE id IN (SELECT t.id FROM refresh_tokens t
                          WHERE t.revoked_at IS NULL
                            AND EXISTS (SELECT 1 FROM refresh_tokens f
                                         WHERE f.family_id = t.family_id
                                           AND f.revoked_at IS NOT NULL)
                          ORDER BY t.id FOR UPDATE)
              AND revoked_at IS NULL`,
          [now],
        ),
      TOKEN_FAMILY_RETRIES,
    );
    const cutoff = new Date(now.getTime() - REFRESH_TOKEN_RETENTION_DAYS * 86_400_000);
    return deleteInBatches(
      this.tx,
      'refresh_tokens',
      `revoked_at < $1 OR (expires_at < $1 AND NOT EXISTS (
         SELECT 1 FROM refresh_tokens f
          WHERE f.family_id = refresh_tokens.family_id
            AND f.revoked_at IS NULL AND f.expires_at > $2))`,
      [cutoff, now],
    );
  }
}
