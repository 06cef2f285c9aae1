import { Injectable, Logger } from '@nestjs/common';

import { CartCleanupService } from '../cart/cart-cleanup.service.js';
import { JobHandler } from '../jobs/job-handler.decorator.js';
import { IdempotencyKeyCleanupService } from './idempotency-key-cleanup.service.js';
import { PasswordResetCleanupService } from './password-reset-cleanup.service.js';
import { RefreshTokenCleanupService } from './refresh-token-cleanup.service.js';

declare module '../jobs/job-payloads.js' {
  interface JobPayloads {
    /** Hourly: expire guest carts untouched for 30 days, delete those closed 30 days ago. */
    'maintenance.expire-guest-carts': Record<string, never>;
    /** Daily: delete refresh tokens long revoked, or long expired once their sign-in has ended. */
    'maintenance.prune-refresh-tokens': Record<string, never>;
    /** Hourly: forget completed Idempotency-Keys older than 24 hours. */
    'maintenance.prune-idempotency-keys': Record<string, never>;
    /** Daily: delete password reset tokens long expired. */
    'maintenance.prune-password-resets': Record<string, never>;
  }
}

/**
 * Scheduled clean-ups: one job per cron tick across all workers. Each is a
 * plain use case (also callable from the CLI) and naturally idempotent: a
 * second run deletes nothing more.
 */
@Injectable()
export class CleanupHandlers {
  private readonly logger = new Logger(CleanupHandlers.name);

  constructor(
    private readonly carts: CartCleanupService,
    private readonly refreshTokens: RefreshTokenCleanupService,
    private readonly idempotencyKeys: IdempotencyKeyCleanupService,
    private readonly passwordResets: PasswordResetCleanupService,
  ) {}

  @JobHandler('maintenance.expire-guest-carts', { schedule: { cron: '7 * * * *' }, retryLimit: 1 })
  async expireGuestCarts(): Promise<number> {
    const expired = this.report('guest carts expired', await this.carts.expireAbandoned());
    this.report('closed guest carts deleted', await this.carts.deleteClosed());
    return expired;
  }

  @JobHandler('maintenance.prune-refresh-tokens', {
    schedule: { cron: '23 3 * * *' },
    retryLimit: 1,
  })
  async pruneRefreshTokens(): Promise<number> {
    return this.report('refresh tokens deleted', await this.refreshTokens.prune());
  }

  @JobHandler('maintenance.prune-idempotency-keys', {
    schedule: { cron: '37 * * * *' },
    retryLimit: 1,
  })
  async pruneIdempotencyKeys(): Promise<number> {
    return this.report('idempotency keys deleted', await this.idempotencyKeys.prune());
  }

  @JobHandler('maintenance.prune-password-resets', {
    schedule: { cron: '41 3 * * *' },
    retryLimit: 1,
  })
  async prunePasswordResets(): Promise<number> {
    return this.report('password reset tokens deleted', await this.passwordResets.prune());
  }

  private report(what: string, n: number): number {
    if (n > 0) this.logger.log({ count: n }, what);
    return n;
  }
}
