import { isUuid } from '../ids/uuid.js';
import { Money } from '../money/money.js';
import { MAX_ORDER_TOTAL } from '../orders/order-totals.js';
import {
  InvalidCatalogValueError,
  StockAboveMaximumError,
  StockBelowReservedError,
  VariantLimitError,
} from './catalog.errors.js';

export const PRODUCT_STATUSES = ['active', 'archived'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

export const SKU_PATTERN = /^[A-Z0-9][A-Z0-9-]{1,63}$/;
/** The longest SKU {@link SKU_PATTERN} allows. */
export const SKU_MAX_LENGTH = 64;
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const SLUG_MAX_LENGTH = 120;
/**
 * Upper bound of a price in minor units: the most one order may total, so
 * one unit of any variant can always be paid (a cart of more may not be).
 */
export const MAX_PRICE = MAX_ORDER_TOTAL;
/**
 * Variants one product may have, however they are added (create, the
 * variant route, an import): bounds every product reply and page.
 */
export const MAX_VARIANTS_PER_PRODUCT = 50;

/**
 * What a cart line and an order line call a variant: the product's name and
 * the variant's, so the buyer reads the same words from cart to receipt.
 */
export function variantDisplayName(productName: string, variantName: string): string {
  return `${productName} – ${variantName}`;
}

/** Refuses another variant for a product that has `count` already. */
export function assertRoomForVariant(count: number): void {
  if (count >= MAX_VARIANTS_PER_PRODUCT) throw new VariantLimitError(MAX_VARIANTS_PER_PRODUCT);
}

/** Most units a variant may hold on hand: the largest PostgreSQL integer, its column's type. */
export const MAX_ON_HAND = 2_147_483_647;

/**
 * URL slug from a display name: accents folded to ASCII, anything else that
 * is not a letter or digit becomes one hyphen. Deterministic, so the same
 * name always yields the same URL.
 */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_MAX_LENGTH)
    .replace(/-+$/g, '');
  // `GET /products/:idOrSlug` reads a UUID as an id, so a slug of that shape
  // would never find its own product (and could name another's id).
  if (!slug || isUuid(slug)) {
    throw new InvalidCatalogValueError('slug', `cannot derive a slug from "${name}"; send a slug`);
  }
  return slug;
}

/**
 * What a slug must be, in the words every way into the catalog refuses one
 * with (a JSON body's validation, a line of an import file), `field` naming
 * where it came from. Slugs and SKUs are checked exactly as sent: no space
 * belongs to one and none is trimmed away, so a value refused one way is
 * refused every way.
 */
export const slugRule = (field = 'slug'): string =>
  `${field} must be lower-case letters, digits and single hyphens (max ${SLUG_MAX_LENGTH})`;

/** What a SKU must be, as {@link slugRule} says it for slugs. */
export const skuRule = (field = 'sku'): string =>
  `${field} must be 2-64 upper-case letters, digits or hyphens, not starting with a hyphen`;

export function assertSlug(slug: string, field = 'slug'): string {
  if (slug.length > SLUG_MAX_LENGTH || !SLUG_PATTERN.test(slug)) {
    throw new InvalidCatalogValueError(field, slugRule(field));
  }
  if (isUuid(slug)) {
    throw new InvalidCatalogValueError(field, `${field} must not be shaped like a UUID`);
  }
  return slug;
}

/**
 * The slug a new product or category gets: the one sent, checked, else one
 * derived from its name. `null` is a slug left out: the create bodies take
 * null for their other optional fields (description, category) that way too.
 */
export function slugFor(name: string, slug: string | null | undefined, field = 'slug'): string {
  return slug != null ? assertSlug(slug, field) : slugify(name);
}

/**
 * The one order every writer inserts new variants in (admin routes, import,
 * seed): two writers sharing new SKUs then queue on the first shared one,
 * instead of each holding a SKU's index entry the other waits for.
 */
export function inSkuOrder<T>(items: readonly T[], skuOf: (item: T) => string): T[] {
  return [...items].sort((a, b) => {
    const x = skuOf(a);
    const y = skuOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

export function assertSku(sku: string, field = 'sku'): string {
  if (!SKU_PATTERN.test(sku)) throw new InvalidCatalogValueError(field, skuRule(field));
  return sku;
}

/** A sellable price: positive whole minor units in the store's currency. */
export function variantPrice(
  price: { amount: number; currency: string },
  storeCurrency: string,
  field = 'price',
): Money {
  if (!Number.isSafeInteger(price.amount) || price.amount <= 0 || price.amount > MAX_PRICE) {
    throw new InvalidCatalogValueError(
      `${field}.amount`,
      `${field}.amount must be a whole number of minor units between 1 and ${MAX_PRICE}`,
    );
  }
  if (price.currency !== storeCurrency) {
    throw new InvalidCatalogValueError(
      `${field}.currency`,
      `${field}.currency must be the store currency ${storeCurrency}`,
    );
  }
  return Money.of(price.amount, price.currency);
}

/** Archived products stay for order history but can no longer be bought. */
export function isSellable(status: ProductStatus): boolean {
  return status === 'active';
}

export interface StockLevel {
  onHand: number;
  reserved: number;
}

/** What can still be sold: units on hand that no open order holds. */
export function availableStock(stock: StockLevel): number {
  return Math.max(0, stock.onHand - stock.reserved);
}

/**
 * The stock adjustment rule: on hand changes by `delta` but never drops below
 * what is reserved, nor rises above MAX_ON_HAND. The database applies the
 * same condition in one UPDATE; this function states the rule and builds the
 * error when it refuses.
 */
export function adjustStock(stock: StockLevel, delta: number): StockLevel {
  if (!Number.isSafeInteger(delta) || delta === 0) {
    throw new InvalidCatalogValueError('delta', 'delta must be a non-zero integer');
  }
  const onHand = stock.onHand + delta;
  if (onHand < stock.reserved)
    throw new StockBelowReservedError(stock.onHand, stock.reserved, delta);
  if (onHand > MAX_ON_HAND) throw new StockAboveMaximumError(stock.onHand, delta, MAX_ON_HAND);
  return { onHand, reserved: stock.reserved };
}

/** The price range shown for a product: cheapest and dearest variant. */
export function priceRange(prices: readonly Money[]): { min: Money; max: Money } | null {
  const [first, ...rest] = prices;
  if (!first) return null;
  let min = first;
  let max = first;
  for (const p of rest) {
    if (p.lessThan(min)) min = p;
    if (p.greaterThan(max)) max = p;
  }
  return { min, max };
}
