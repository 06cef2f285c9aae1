import { AccountDisabledError, InvalidTokenError } from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { AccountAccessCache } from './account-access-cache.js';
import { hashOpaqueToken } from './opaque-token.js';
import { RefreshTokenRepository } from './refresh-token.repository.js';
import { type IssuedSession, SessionIssuer } from './session-issuer.js';
import { TOKEN_FAMILY_RETRIES } from './token-family.js';
import { UserRepository } from './user.repository.js';

type Outcome =
  | { kind: 'rotated'; session: IssuedSession }
  | { kind: 'reused'; familyId: string }
  | { kind: 'disabled'; familyId: string }
  | { kind: 'invalid' };

/**
 * Refresh-token rotation: each token is good for exactly one refresh. A
 * token presented a second time means two parties hold it (a thief and the
 * owner), and nobody can tell which is which, so the whole family, including
 * the token the first refresh handed out, is revoked and both must sign in
 * again. Two concurrent refreshes of one token are the same case: one wins,
 * the other counts as reuse.
 */
@Injectable()
export class TokenRefreshService {
  private readonly logger = new Logger('TokenRefresh');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly tokens: RefreshTokenRepository,
    private readonly users: UserRepository,
    private readonly sessions: SessionIssuer,
    private readonly access: AccountAccessCache,
    private readonly clock: Clock,
  ) {}

  async refresh(refreshToken: string): Promise<IssuedSession> {
    const tokenHash = hashOpaqueToken(refreshToken);
    const now = this.clock.now();
    // The revocations below must commit even though the caller gets a 401,
    // so the transaction returns an outcome and the error is thrown after it.
    const outcome = await this.tx.run<Outcome>(
      async (manager) => {
        const spent = await this.tokens.spend(tokenHash, now, manager);
        if (!spent) {
          const known = await this.tokens.lockByHash(tokenHash, manager);
          if (known?.spentAt && !known.revokedAt) {
            await this.tokens.revokeFamily(known.familyId, now, manager);
            return { kind: 'reused', familyId: known.familyId };
          }
          return { kind: 'invalid' }; // unknown, expired or already revoked
        }
        const user = await this.users.findById(spent.userId, manager);
        if (!user || user.disabled) {
          await this.tokens.revokeFamily(spent.familyId, now, manager);
          return { kind: 'disabled', familyId: spent.familyId };
        }
        const family = { id: spent.familyId, sessionEndsAt: spent.sessionEndsAt };
        return { kind: 'rotated', session: await this.sessions.issue(user, manager, family) };
        // Revocations for two different tokens of one family at once (a
        // replay of an old token beside a lost race for the newest) each hold
        // their own token's row first and can still deadlock: retried, the
        // later one finds the family revoked and is a 401.
      },
      {
        ...TOKEN_FAMILY_RETRIES,
        // A revocation stands even when the request was answered 503 at its
        // deadline (it only ever gets an error); a rotation nobody received
        // rolls back, so the client's retry with the same token is no reuse.
        commitIfAnswered: (o) => o.kind !== 'rotated',
      },
    );
    // The session's access tokens end with it: in this process at once,
    // elsewhere when the revocation's notification comes.
    if (outcome.kind === 'reused' || outcome.kind === 'disabled') {
      this.access.sessionEnded(outcome.familyId);
    }
    switch (outcome.kind) {
      case 'rotated':
        return outcome.session;
      case 'disabled':
        throw new AccountDisabledError();
      case 'reused':
        this.logger.warn('refresh token presented twice: its token family is revoked');
        throw new InvalidTokenError();
      case 'invalid':
        throw new InvalidTokenError();
    }
  }
}
