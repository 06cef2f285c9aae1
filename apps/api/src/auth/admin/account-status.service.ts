import {
  assertMayChangeStatus,
  isUuid,
  normalizeEmail,
  statusChangeEndsSessions,
  UserNotFoundError,
} from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';

import { Clock } from '../../infrastructure/clock/clock.js';
import { onCommit, TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import { JobQueue } from '../../jobs/job-queue.js';
import { AccountAccessCache } from '../account-access-cache.js';
import { RefreshTokenRepository } from '../refresh-token.repository.js';
import { LoginRateLimiter } from '../throttling/login-rate-limiter.js';
import { TOKEN_FAMILY_RETRIES } from '../token-family.js';
import { type UserRecord, UserRepository } from '../user.repository.js';

/** Who asked: an admin through the API (by account id), or an operator at the CLI. */
export type StatusActor = { adminId: string } | 'cli';

/**
 * `PATCH /admin/users/{id}` and `user:disable` / `user:enable`. Disabling
 * takes effect on the account's next request: every authenticated request
 * reads the account's status (ActiveUserGuard), refresh refuses it, and its
 * sessions and reset links are ended so enabling it later does not revive
 * them. Its unpaid orders are cancelled by a job enqueued in the same
 * transaction (DisabledAccountOrders). The account's row is locked first,
 * so two changes queue and each decides on what the other left.
 */
@Injectable()
export class AccountStatusService {
  private readonly logger = new Logger(AccountStatusService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly users: UserRepository,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly clock: Clock,
    private readonly access: AccountAccessCache,
    private readonly loginLimits: LoginRateLimiter,
    private readonly jobs: JobQueue,
  ) {}

  async change(accountId: string, disabled: boolean, actor: StatusActor): Promise<UserRecord> {
    if (!isUuid(accountId)) throw new UserNotFoundError(accountId);
    // Ids compare as PostgreSQL stores them: an id sent in upper case is
    // still the admin's own.
    const id = accountId.toLowerCase();
    const { user, changed } = await this.tx.run(async (m) => {
      // The admin's row too: their own status may have changed since their
      // token was checked (another admin disabling them at this moment).
      const ids = actor === 'cli' ? [id] : [id, actor.adminId];
      const rows = await this.users.lockAll(ids, m);
      const current = rows.find((r) => r.id === id);
      if (!current) throw new UserNotFoundError(accountId);
      if (actor !== 'cli') {
        const admin = rows.find((r) => r.id === actor.adminId) ?? null;
        assertMayChangeStatus(admin, current, disabled);
      }
      // Already so: nothing to write, no session to end.
      if (current.disabled === disabled) return { user: current, changed: false };
      const endSessions = statusChangeEndsSessions(current.disabled, disabled);
      const updated = await this.users.setDisabled(id, { disabled, endSessions }, m);
      onCommit(m, () => this.access.changed(id));
      if (endSessions) {
        await this.refreshTokens.revokeAllOfUser(id, this.clock.now(), m);
        // Whoever abused the account is a stranger again wherever they signed in from.
        onCommit(m, () => this.loginLimits.forgetAddresses(current.email));
      }
      // Its unpaid orders are cancelled by the orders feature, after this commits.
      if (disabled) await this.jobs.enqueue('accounts.disabled', { userId: id }, { manager: m });
      return { user: updated ?? current, changed: true };
    }, TOKEN_FAMILY_RETRIES);
    if (changed) {
      const by = actor === 'cli' ? 'the CLI' : `admin ${actor.adminId}`;
      this.logger.log(`Account ${id} ${disabled ? 'disabled' : 'enabled'} by ${by}`);
    }
    return user;
  }

  /** The CLI names accounts by e-mail. */
  async changeByEmail(email: string, disabled: boolean): Promise<UserRecord> {
    const user = await this.users.findByEmail(normalizeEmail(email));
    if (!user) throw new Error(`No account has the e-mail ${email}`);
    return this.change(user.id, disabled, 'cli');
  }
}
