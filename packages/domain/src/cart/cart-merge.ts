import { MAX_LINE_QUANTITY } from './cart-limits.js';
import { type CartVariant, mergedQuantity } from './cart-rules.js';

/**
 * Why a guest line brought less than all of its quantity into the user's
 * cart: the variant is no longer sold (archived, or gone from the catalog),
 * the cart holds as many different items as it may, the line would pass 99,
 * or there is not that much in stock.
 */
export const MERGE_SHORTFALL_REASONS = [
  'archived',
  'cart_full',
  'line_limit',
  'insufficient_stock',
] as const;
export type MergeShortfallReason = (typeof MERGE_SHORTFALL_REASONS)[number];

/** Only limits on the line's quantity let part of a guest line through. */
export const MERGE_CAP_REASONS = ['line_limit', 'insufficient_stock'] as const;
export type MergeCapReason = (typeof MERGE_CAP_REASONS)[number];

/** What becomes of one guest line absorbed into the user's cart. */
export type GuestLineMerge =
  /** All of it came over: the user's line now holds `quantity`. */
  | { outcome: 'merged'; quantity: number }
  /** Part of it came over: the line holds `quantity` of the `requested` sum. */
  | { outcome: 'capped'; quantity: number; requested: number; reason: MergeCapReason }
  /** None of it came over; the user's line of the variant, if any, is unchanged. */
  | { outcome: 'dropped'; reason: MergeShortfallReason };

/**
 * What of a guest cart did not come over in full: guest lines of which
 * nothing came over, and user lines left holding less than the two lines'
 * sum. Empty when everything came over, or when nothing was merged.
 */
export interface CartMergeReport {
  dropped: { variantId: string; quantity: number; reason: MergeShortfallReason }[];
  capped: { variantId: string; requested: number; kept: number; reason: MergeCapReason }[];
}

/**
 * The fate of a guest line of `incoming` items when the user's cart holds
 * `existing` of the variant (0: no line) and `cartFull` says it has no room
 * for another line. Quantities follow `mergedQuantity`; this adds which limit
 * held them back, so the shopper can be told what did not come over.
 */
export function mergeGuestLine(
  variant: CartVariant | undefined,
  existing: number,
  incoming: number,
  cartFull: boolean,
): GuestLineMerge {
  // A variant gone from the catalog is no longer sold either: the shopper's
  // remedy (find another) is the same as for an archived one.
  if (!variant || variant.archived) return { outcome: 'dropped', reason: 'archived' };
  if (existing === 0 && cartFull) return { outcome: 'dropped', reason: 'cart_full' };
  const requested = existing + incoming;
  const quantity = mergedQuantity(variant, existing, incoming);
  if (quantity >= requested) return { outcome: 'merged', quantity };
  // The lower of the two bounds held the line back; at a tie the per-line
  // maximum is named, as more stock would not have helped.
  const reason: MergeCapReason =
    variant.available >= MAX_LINE_QUANTITY ? 'line_limit' : 'insufficient_stock';
  if (quantity <= existing) return { outcome: 'dropped', reason };
  return { outcome: 'capped', quantity, requested, reason };
}

/**
 * The added unit price (minor units) a merged line keeps. `price_changed`
 * compares it with the current price, and nobody has looked at the new price
 * during a merge, so a difference either line carried must survive it: the
 * user's line's first, then the guest line's; with neither, the current price.
 */
export function mergedAddedUnitPrice(
  currentPrice: number,
  userLinePrice: number | undefined,
  guestLinePrice: number,
): number {
  if (userLinePrice !== undefined && userLinePrice !== currentPrice) return userLinePrice;
  if (guestLinePrice !== currentPrice) return guestLinePrice;
  return currentPrice;
}
