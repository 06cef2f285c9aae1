import { Money } from '../money/money.js';
import {
  InsufficientStockForCartError,
  InvalidCartQuantityError,
  LineQuantityLimitError,
  VariantArchivedError,
  VariantOutOfStockError,
} from './cart.errors.js';
import {
  CLOSED_GUEST_CART_KEPT_DAYS,
  GUEST_CART_TTL_DAYS,
  MAX_LINE_QUANTITY,
  MIN_LINE_QUANTITY,
} from './cart-limits.js';

/** What the cart needs to know about a variant, at the current catalog state. */
export interface CartVariant {
  id: string;
  productId: string;
  sku: string;
  name: string;
  price: Money;
  /** on_hand − reserved, never negative. */
  available: number;
  archived: boolean;
}

export type CartLineIssue = 'archived' | 'insufficient_stock' | 'price_changed';

export interface StoredCartLine {
  id: string;
  variantId: string;
  quantity: number;
  /** Unit price in minor units when the line was last added to or changed. */
  addedUnitPrice: number;
}

export interface PricedCartLine {
  id: string;
  variantId: string;
  productId: string;
  sku: string;
  name: string;
  quantity: number;
  unitPrice: Money;
  lineTotal: Money;
  issues: CartLineIssue[];
}

export interface PricedCart {
  lines: PricedCartLine[];
  subtotal: Money;
  itemCount: number;
}

export function assertLineQuantity(quantity: number): void {
  if (
    !Number.isSafeInteger(quantity) ||
    quantity < MIN_LINE_QUANTITY ||
    quantity > MAX_LINE_QUANTITY
  ) {
    throw new InvalidCartQuantityError(
      `quantity must be an integer from ${MIN_LINE_QUANTITY} to ${MAX_LINE_QUANTITY}`,
    );
  }
}

/** A quantity a line may be set to: 0, which removes the line, or a line quantity. */
export function assertQuantityToSet(quantity: number): void {
  if (!Number.isSafeInteger(quantity) || quantity < 0 || quantity > MAX_LINE_QUANTITY) {
    throw new InvalidCartQuantityError(
      `quantity must be an integer from 0 to ${MAX_LINE_QUANTITY}`,
    );
  }
}

/** A variant may be put in a cart only while it is sold and in stock. */
export function assertSellable(variant: CartVariant): void {
  if (variant.archived) throw new VariantArchivedError(variant.sku);
  if (variant.available <= 0) throw new VariantOutOfStockError(variant.sku);
}

/**
 * The quantity of the line after adding `adding` to what it holds. Adding is
 * refused rather than silently capped: the shopper asked for a number and
 * should learn they did not get it.
 */
export function quantityAfterAdd(variant: CartVariant, current: number, adding: number): number {
  assertLineQuantity(adding);
  assertSellable(variant);
  const next = current + adding;
  if (next > MAX_LINE_QUANTITY) throw new LineQuantityLimitError(variant.sku, current, adding);
  if (next > variant.available) {
    throw new InsufficientStockForCartError(variant.sku, variant.available, next);
  }
  return next;
}

/**
 * Setting a line's quantity. Lowering is always allowed (that is how a shopper
 * fixes a line flagged archived or short of stock); raising is held to the
 * same rules as adding.
 */
export function checkQuantityChange(variant: CartVariant, current: number, next: number): void {
  assertLineQuantity(next);
  if (next <= current) return;
  assertSellable(variant);
  if (next > variant.available) {
    throw new InsufficientStockForCartError(variant.sku, variant.available, next);
  }
}

/**
 * The line quantity after a guest cart's line is absorbed into a user's cart:
 * the sum, held to the per-line maximum and to the stock available, but never
 * lower than what the user's line already held (merging must not take away).
 * Returns 0 when nothing of the variant can be in the cart.
 */
export function mergedQuantity(
  variant: CartVariant | undefined,
  existing: number,
  incoming: number,
): number {
  if (!variant || variant.archived) return existing;
  const capped = Math.min(existing + incoming, MAX_LINE_QUANTITY, Math.max(variant.available, 0));
  return Math.max(existing, capped);
}

/** Issues a shopper should see before checkout, given the current catalog state. */
export function lineIssues(line: StoredCartLine, variant: CartVariant): CartLineIssue[] {
  const issues: CartLineIssue[] = [];
  if (variant.archived) issues.push('archived');
  if (variant.available < line.quantity) issues.push('insufficient_stock');
  if (variant.price.amount !== line.addedUnitPrice) issues.push('price_changed');
  return issues;
}

/**
 * Prices the cart at current catalog prices. Lines whose variant has vanished
 * from the catalog are left out (the database cascades them away anyway).
 */
export function priceCart(
  lines: readonly StoredCartLine[],
  variants: ReadonlyMap<string, CartVariant>,
  currency: string,
): PricedCart {
  const priced: PricedCartLine[] = [];
  for (const line of lines) {
    const variant = variants.get(line.variantId);
    if (!variant) continue;
    priced.push({
      id: line.id,
      variantId: line.variantId,
      productId: variant.productId,
      sku: variant.sku,
      name: variant.name,
      quantity: line.quantity,
      unitPrice: variant.price,
      lineTotal: variant.price.multiply(line.quantity),
      issues: lineIssues(line, variant),
    });
  }
  return {
    lines: priced,
    subtotal: Money.sum(
      priced.map((l) => l.lineTotal),
      currency,
    ),
    itemCount: priced.reduce((n, l) => n + l.quantity, 0),
  };
}

/** The moment before which an untouched guest cart counts as abandoned. */
export function guestCartExpiryCutoff(now: Date): Date {
  return new Date(now.getTime() - GUEST_CART_TTL_DAYS * 24 * 60 * 60 * 1000);
}

/** The moment before which a closed guest cart (expired or merged) is deleted. */
export function closedGuestCartDeletionCutoff(now: Date): Date {
  return new Date(now.getTime() - CLOSED_GUEST_CART_KEPT_DAYS * 24 * 60 * 60 * 1000);
}
