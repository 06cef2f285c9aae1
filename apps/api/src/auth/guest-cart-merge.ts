import type { CartMergeReport } from '@minishop/domain';
import { Injectable, Logger, Optional } from '@nestjs/common';

import { GuestCartAbsorber } from './guest-cart-absorber.js';

/**
 * Register and login hand the guest cart over after their own transaction
 * has committed. The sign-in has already succeeded by then: a cart that
 * cannot be merged is logged, never turned into a failed login.
 */
@Injectable()
export class GuestCartMerge {
  private readonly logger = new Logger('GuestCartMerge');

  constructor(@Optional() private readonly absorber?: GuestCartAbsorber) {}

  /** The merge's report, or null when no guest cart was merged. */
  async afterSignIn(
    userId: string,
    cartToken: string | undefined,
  ): Promise<CartMergeReport | null> {
    if (!cartToken || !this.absorber) return null;
    try {
      return await this.absorber.absorb(userId, cartToken);
    } catch (error) {
      this.logger.warn({ err: error, userId }, 'guest cart could not be merged at sign-in');
      return null;
    }
  }
}
