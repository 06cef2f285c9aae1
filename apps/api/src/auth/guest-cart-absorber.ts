import type { CartMergeReport } from '@minishop/domain';

/**
 * Port: moves a guest cart (identified by its `X-Cart-Token`) into a user's
 * cart. Register and login call it when the request carries the header.
 * Provided by the cart feature (from a global module); auth works without it.
 */
export abstract class GuestCartAbsorber {
  /** What did not come over in full; null when there was no open guest cart to absorb. */
  abstract absorb(userId: string, cartToken: string): Promise<CartMergeReport | null>;
}
