import { CategoryCycleError, CategoryInUseError, CategoryLimitError } from './catalog.errors.js';

/**
 * Categories the catalog may have, however they are added: `GET /categories`
 * returns the whole tree in one reply, and a reply's lists hold at most 1000
 * items.
 */
export const MAX_CATEGORIES = 1000;

/** Refuses `adding` more categories when the catalog has `count` already. */
export function assertRoomForCategory(count: number, adding = 1): void {
  if (count + adding > MAX_CATEGORIES) throw new CategoryLimitError(MAX_CATEGORIES);
}

/**
 * Refuses to put `categoryId` under `newParentId` when that parent is the
 * category itself or below it. `parentOf` holds every category's parent
 * (null at the root), read under the lock that keeps other moves out.
 */
export function assertMayMoveCategory(
  categoryId: string,
  newParentId: string | null,
  parentOf: ReadonlyMap<string, string | null>,
): void {
  // At most one step per category: a loop already stored cannot hang this.
  let at = newParentId;
  for (let steps = 0; at !== null && steps <= parentOf.size; steps++) {
    if (at === categoryId) throw new CategoryCycleError();
    at = parentOf.get(at) ?? null;
  }
}

/**
 * A category may be deleted once nothing hangs on it: no subcategory and no
 * product that is not archived (archived products keep their order history
 * and simply lose the category).
 */
export function assertMayDeleteCategory(subcategories: number, liveProducts: number): void {
  if (subcategories > 0 || liveProducts > 0) {
    throw new CategoryInUseError(subcategories, liveProducts);
  }
}
