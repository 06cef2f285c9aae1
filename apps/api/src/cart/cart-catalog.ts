import type { CartVariant } from '@minishop/domain';
import type { EntityManager } from 'typeorm';

/**
 * Port: the little the cart needs from the catalog, read at the current
 * catalog state. Kept apart from the catalog module's own repositories so the
 * cart depends on a shape, not on another feature's code.
 */
export abstract class CartCatalog {
  abstract findVariants(
    ids: readonly string[],
    manager?: EntityManager,
  ): Promise<Map<string, CartVariant>>;
}
