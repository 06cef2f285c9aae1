import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  RuleViolationError,
} from '../errors/domain-error.js';
import { echoableId } from '../ids/echoed-id.js';

export class ProductNotFoundError extends NotFoundError {
  readonly code = 'CATALOG.PRODUCT_NOT_FOUND';
  constructor(idOrSlug: string) {
    super(
      echoableId(idOrSlug, { slug: true })
        ? `No product "${idOrSlug}"`
        : 'No product has that id or slug (an id is a UUID; a slug is lower-case letters, digits and hyphens)',
    );
  }
}

export class VariantNotFoundError extends NotFoundError {
  readonly code = 'CATALOG.VARIANT_NOT_FOUND';
  constructor(id: string) {
    super(echoableId(id) ? `No variant "${id}"` : 'No variant has that id (an id is a UUID)');
  }
}

/** A category referenced by a write does not exist; names the field that referenced it. */
export class UnknownCategoryError extends RuleViolationError {
  readonly code = 'CATALOG.UNKNOWN_CATEGORY';
  constructor(field: 'categoryId' | 'parentId', id: string) {
    super(echoableId(id) ? `No category "${id}"` : 'No category has that id (an id is a UUID)', [
      { field, message: `${field} does not name a category` },
    ]);
  }
}

export class DuplicateSlugError extends ConflictError {
  readonly code = 'CATALOG.DUPLICATE_SLUG';
  constructor(slug: string) {
    super(`The slug "${slug}" is already taken`, [
      { field: 'slug', message: `slug "${slug}" is already taken` },
    ]);
  }
}

export class DuplicateSkuError extends ConflictError {
  readonly code = 'CATALOG.DUPLICATE_SKU';
  constructor(sku: string, field = 'sku') {
    super(`The SKU "${sku}" is already taken`, [
      { field, message: `sku "${sku}" is already taken` },
    ]);
  }
}

/** Stock may not drop below what open orders hold: those units are promised. */
export class StockBelowReservedError extends ConflictError {
  readonly code = 'CATALOG.STOCK_BELOW_RESERVED';
  constructor(onHand: number, reserved: number, delta: number) {
    super(
      `Cannot adjust stock by ${delta}: ${onHand} on hand, ${reserved} reserved; ` +
        `on hand may not go below ${reserved}`,
      [{ field: 'delta', message: `delta must be at least ${reserved - onHand}` }],
    );
  }
}

/** On hand would exceed what a variant can hold (the column's integer range). */
export class StockAboveMaximumError extends ConflictError {
  readonly code = 'CATALOG.STOCK_ABOVE_MAXIMUM';
  constructor(onHand: number, delta: number, max: number) {
    super(`Cannot adjust stock by ${delta}: ${onHand} on hand, and at most ${max} can be`, [
      { field: 'delta', message: `delta must be at most ${max - onHand}` },
    ]);
  }
}

/** The product has as many variants as a product may have. */
export class VariantLimitError extends ConflictError {
  readonly code = 'CATALOG.VARIANT_LIMIT';
  constructor(max: number) {
    super(`A product has at most ${max} variants`);
  }
}

/** The catalog has as many categories as it may have. */
export class CategoryLimitError extends ConflictError {
  readonly code = 'CATALOG.CATEGORY_LIMIT';
  constructor(max: number) {
    super(`The catalog has at most ${max} categories`);
  }
}

export class ProductArchivedError extends ConflictError {
  readonly code = 'CATALOG.PRODUCT_ARCHIVED';
  constructor(id: string) {
    super(`Product "${id}" is archived and cannot be sold`);
  }
}

export class InvalidCatalogValueError extends InvalidInputError {
  readonly code = 'CATALOG.INVALID_VALUE';
  constructor(field: string, message: string) {
    super(message, [{ field, message }]);
  }
}

export class CategoryNotFoundError extends NotFoundError {
  readonly code = 'CATALOG.CATEGORY_NOT_FOUND';
  constructor(id: string) {
    super(echoableId(id) ? `No category "${id}"` : 'No category has that id (an id is a UUID)');
  }
}

/** Moving a category under itself or one of its own subcategories would make the tree a loop. */
export class CategoryCycleError extends RuleViolationError {
  readonly code = 'CATALOG.CATEGORY_CYCLE';
  constructor() {
    super('A category cannot be moved under itself or one of its subcategories', [
      { field: 'parentId', message: 'parentId is this category or one of its subcategories' },
    ]);
  }
}

/** Only an empty category is deleted: products and subcategories are never left dangling. */
export class CategoryInUseError extends ConflictError {
  readonly code = 'CATALOG.CATEGORY_IN_USE';
  constructor(subcategories: number, products: number) {
    super(
      `The category still has ${subcategories} subcategories and ${products} products that are not archived; move them first`,
    );
  }
}
