import { isSellable, isUuid, type ProductStatus, type StoredCartLine } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { QueryResultRow } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';

import {
  prepared,
  preparedFor,
  runPrepared,
} from '../../infrastructure/database/prepared-statement.js';
import {
  type CartRecord,
  CartRepository,
  type CartStatus,
  type CartWithLines,
  type GuestCartRecord,
} from '../cart.repository.js';
import type { CheckoutVariant } from '../checkout-cart.port.js';
import {
  CART_COLUMNS,
  type CartLineRow,
  type CartRow,
  LINE_COLUMNS,
  toCartRecord,
  toStoredLine,
} from './cart.mapper.js';

// Prepared: checkout runs it on every order.
const ACTIVE_USER_CART_FOR_CHECKOUT = prepared(
  `SELECT c.id AS cart_id, c.xmin::text AS version, u.email AS buyer_email,
          l.id, l.variant_id, l.quantity, l.added_unit_price,
          v.sku, p.name AS product_name, v.name AS variant_name, v.price, v.currency, p.status,
          v.on_hand - v.reserved AS available
     FROM carts c
     JOIN users u ON u.id = c.user_id
     LEFT JOIN cart_lines l ON l.cart_id = c.id
     LEFT JOIN variants v ON v.id = l.variant_id
     LEFT JOIN products p ON p.id = v.product_id
    WHERE c.user_id = $1 AND c.status = 'active'`,
);

// One round trip: the cart row, with its lines joined (none: one row of nulls).
const CART_WITH_LINES = `SELECT c.id AS cart_id, c.updated_at AS cart_updated_at,
        l.id, l.variant_id, l.quantity, l.added_unit_price
   FROM carts c LEFT JOIN cart_lines l ON l.cart_id = c.id
  WHERE c.id = $1
  ORDER BY l.created_at, l.id`;
// The same, only while the cart is active: its status and lines from one snapshot.
const ACTIVE_CART_WITH_LINES = `SELECT c.id AS cart_id, c.updated_at AS cart_updated_at,
        l.id, l.variant_id, l.quantity, l.added_unit_price
   FROM carts c LEFT JOIN cart_lines l ON l.cart_id = c.id
  WHERE c.id = $1 AND c.status = 'active'
  ORDER BY l.created_at, l.id`;
// The user's active cart, whichever it is now, with its lines from one snapshot.
const ACTIVE_USER_CART_WITH_LINES = `SELECT c.id AS cart_id, c.updated_at AS cart_updated_at,
        l.id, l.variant_id, l.quantity, l.added_unit_price
   FROM carts c LEFT JOIN cart_lines l ON l.cart_id = c.id
  WHERE c.user_id = $1 AND c.status = 'active'
  ORDER BY l.created_at, l.id`;

interface CheckoutLineRow extends CartLineRow {
  sku: string;
  product_name: string;
  variant_name: string;
  price: string;
  currency: string;
  status: ProductStatus;
  available: number;
}

/**
 * Plain SQL rather than the entity API: every write here depends on a
 * PostgreSQL feature (ON CONFLICT on a partial index, a guarded DO UPDATE,
 * row locks, SKIP LOCKED) that is clearer written out than emulated.
 */
@Injectable()
export class TypeormCartRepository extends CartRepository {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  /**
   * Every statement here is a fixed text, prepared once per connection: on
   * the shop's busiest writes (add to cart, on every purchase) parsing and
   * planning cost the database more than running them.
   */
  private async rows<T extends QueryResultRow>(
    manager: EntityManager | undefined,
    sql: string,
    params: unknown[],
  ): Promise<T[]> {
    const { rows } = await runPrepared<T>(
      manager ?? this.dataSource.manager,
      preparedFor(sql),
      params,
    );
    return rows;
  }

  async createGuestCart(tokenHash: string, manager: EntityManager): Promise<CartRecord> {
    const [row] = await this.rows<CartRow>(
      manager,
      `INSERT INTO carts (token_hash) VALUES ($1) RETURNING ${CART_COLUMNS}`,
      [tokenHash],
    );
    return toCartRecord(row!);
  }

  async findActiveGuestCart(tokenHash: string): Promise<CartRecord | null> {
    const [row] = await this.rows<CartRow>(
      undefined,
      `SELECT ${CART_COLUMNS} FROM carts
        WHERE token_hash = $1 AND user_id IS NULL AND status = 'active'`,
      [tokenHash],
    );
    return row ? toCartRecord(row) : null;
  }

  async findActiveUserCart(userId: string, manager?: EntityManager): Promise<CartRecord | null> {
    const [row] = await this.rows<CartRow>(
      manager,
      `SELECT ${CART_COLUMNS} FROM carts WHERE user_id = $1 AND status = 'active'`,
      [userId],
    );
    return row ? toCartRecord(row) : null;
  }

  async createUserCart(userId: string, manager?: EntityManager): Promise<CartRecord | null> {
    // ON CONFLICT names the partial unique index's predicate so PostgreSQL
    // infers it; a concurrent creator makes this wait for its commit and then
    // do nothing.
    const [created] = await this.rows<CartRow>(
      manager,
      `INSERT INTO carts (user_id) VALUES ($1)
       ON CONFLICT (user_id) WHERE status = 'active' AND user_id IS NOT NULL DO NOTHING
       RETURNING ${CART_COLUMNS}`,
      [userId],
    );
    return created ? toCartRecord(created) : null;
  }

  async getOrCreateUserCart(userId: string, manager?: EntityManager): Promise<CartRecord> {
    // One statement, no retry limit to run out of: a DO NOTHING followed by a
    // SELECT could lose every round to a checkout closing the cart it met in
    // between. DO UPDATE locks the active cart it meets instead; one closed
    // meanwhile no longer conflicts, and PostgreSQL runs the insert again
    // within this statement. The update changes nothing (a read is no change
    // to the cart), it only makes the row returnable.
    const [row] = await this.rows<CartRow>(
      manager,
      `INSERT INTO carts (user_id) VALUES ($1)
       ON CONFLICT (user_id) WHERE status = 'active' AND user_id IS NOT NULL
       DO UPDATE SET updated_at = carts.updated_at
       RETURNING ${CART_COLUMNS}`,
      [userId],
    );
    return toCartRecord(row!);
  }

  async lockGuestCart(tokenHash: string, manager: EntityManager): Promise<GuestCartRecord | null> {
    const [row] = await this.rows<CartRow & { merged_by: string | null }>(
      manager,
      `SELECT ${CART_COLUMNS}, merged_by FROM carts
        WHERE token_hash = $1 AND user_id IS NULL FOR UPDATE`,
      [tokenHash],
    );
    return row ? { ...toCartRecord(row), mergedBy: row.merged_by } : null;
  }

  async findActiveUserCartForCheckout(
    userId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{
    id: string;
    version: string;
    buyerEmail: string;
    lines: (StoredCartLine & { variant: CheckoutVariant })[];
  } | null> {
    const { rows } = await runPrepared<
      { cart_id: string; version: string; buyer_email: string } & {
        [K in keyof CheckoutLineRow]: CheckoutLineRow[K] | null;
      }
    >(manager, ACTIVE_USER_CART_FOR_CHECKOUT, [userId]);
    const [first] = rows;
    if (!first) return null;
    return {
      id: first.cart_id,
      version: first.version,
      buyerEmail: first.buyer_email,
      lines: rows
        .filter((r): r is typeof r & CheckoutLineRow => r.id !== null)
        .map((r) => ({
          ...toStoredLine(r),
          variant: {
            sku: r.sku,
            productName: r.product_name,
            variantName: r.variant_name,
            price: Number(r.price),
            currency: r.currency.trim(),
            archived: !isSellable(r.status),
            available: r.available,
          },
        })),
    };
  }

  async touchActive(cartId: string, manager: EntityManager): Promise<CartStatus | null> {
    const rows = await this.rows<{ id: string }>(
      manager,
      `UPDATE carts SET updated_at = now() WHERE id = $1 AND status = 'active' RETURNING id`,
      [cartId],
    );
    if (rows.length === 1) return 'active';
    // A statement of its own: under read committed its snapshot is taken
    // after the UPDATE waited out the write that closed the cart, so it reads
    // the status that write committed (within the UPDATE's statement the
    // cart would still read as active). A closed cart never opens again.
    const [row] = await this.rows<{ status: CartStatus }>(
      manager,
      `SELECT status FROM carts WHERE id = $1`,
      [cartId],
    );
    return row?.status ?? null;
  }

  async markMerged(cartId: string, userId: string, manager: EntityManager): Promise<boolean> {
    const rows = await this.rows<{ id: string }>(
      manager,
      `UPDATE carts SET status = 'merged', merged_by = $2, updated_at = now()
        WHERE id = $1 AND status = 'active' RETURNING id`,
      [cartId, userId],
    );
    return rows.length === 1;
  }

  async findWithLines(cartId: string, manager?: EntityManager): Promise<CartWithLines | null> {
    return this.withLines(manager, CART_WITH_LINES, cartId);
  }

  async findActiveWithLines(cartId: string): Promise<CartWithLines | null> {
    return this.withLines(undefined, ACTIVE_CART_WITH_LINES, cartId);
  }

  async findActiveUserCartWithLines(userId: string): Promise<CartWithLines | null> {
    return this.withLines(undefined, ACTIVE_USER_CART_WITH_LINES, userId);
  }

  private async withLines(
    manager: EntityManager | undefined,
    sql: string,
    key: string,
  ): Promise<CartWithLines | null> {
    const rows = await this.rows<
      { cart_id: string; cart_updated_at: Date } & {
        [K in keyof CartLineRow]: CartLineRow[K] | null;
      }
    >(manager, sql, [key]);
    const [first] = rows;
    if (!first) return null;
    return {
      id: first.cart_id,
      updatedAt: first.cart_updated_at,
      lines: rows.filter((r): r is typeof r & CartLineRow => r.id !== null).map(toStoredLine),
    };
  }

  async findLine(
    cartId: string,
    lineId: string,
    manager: EntityManager,
  ): Promise<StoredCartLine | null> {
    // A malformed id cannot name a line; answering "not found" instead of
    // letting PostgreSQL reject the cast keeps it a 404 like any other.
    if (!isUuid(lineId)) return null;
    const [row] = await this.rows<CartLineRow>(
      manager,
      `SELECT ${LINE_COLUMNS} FROM cart_lines WHERE id = $1 AND cart_id = $2`,
      [lineId, cartId],
    );
    return row ? toStoredLine(row) : null;
  }

  async findLineByVariant(
    cartId: string,
    variantId: string,
    manager: EntityManager,
  ): Promise<{ line: StoredCartLine | null; lineCount: number }> {
    // One round trip for both: one row, the line's columns null when the
    // variant has no line yet.
    const [row] = await this.rows<
      { line_count: number } & { [K in keyof CartLineRow]: CartLineRow[K] | null }
    >(
      manager,
      `SELECT l.id, l.variant_id, l.quantity, l.added_unit_price,
              (SELECT count(*)::int FROM cart_lines WHERE cart_id = $1) AS line_count
         FROM (VALUES (1)) AS one
         LEFT JOIN cart_lines l ON l.cart_id = $1 AND l.variant_id = $2`,
      [cartId, variantId],
    );
    return {
      line: row && row.id !== null ? toStoredLine(row as CartLineRow) : null,
      lineCount: row?.line_count ?? 0,
    };
  }

  async addToLine(
    cartId: string,
    variantId: string,
    quantity: number,
    unitPrice: number,
    maxQuantity: number,
    manager: EntityManager,
  ): Promise<StoredCartLine | null> {
    // The WHERE of DO UPDATE is the cap's last line of defence: a sum over
    // the maximum updates nothing and returns no row (the CHECK constraint
    // would otherwise abort the transaction with a less useful error).
    const [row] = await this.rows<CartLineRow>(
      manager,
      `INSERT INTO cart_lines (cart_id, variant_id, quantity, added_unit_price)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT ON CONSTRAINT cart_lines_one_per_variant DO UPDATE
          SET quantity = cart_lines.quantity + EXCLUDED.quantity,
              added_unit_price = EXCLUDED.added_unit_price,
              updated_at = now()
        WHERE cart_lines.quantity + EXCLUDED.quantity <= $5
       RETURNING ${LINE_COLUMNS}`,
      [cartId, variantId, quantity, unitPrice, maxQuantity],
    );
    return row ? toStoredLine(row) : null;
  }

  async putLine(
    cartId: string,
    variantId: string,
    quantity: number,
    unitPrice: number,
    manager: EntityManager,
  ): Promise<void> {
    await this.rows(
      manager,
      // Lines are listed in the order they were added; a merge adds several
      // in one transaction, where now() is one instant for all of them.
      `INSERT INTO cart_lines (cart_id, variant_id, quantity, added_unit_price, created_at)
       VALUES ($1, $2, $3, $4, clock_timestamp())
       ON CONFLICT ON CONSTRAINT cart_lines_one_per_variant DO UPDATE
          SET quantity = EXCLUDED.quantity,
              added_unit_price = EXCLUDED.added_unit_price,
              updated_at = now()`,
      [cartId, variantId, quantity, unitPrice],
    );
  }

  async setLineQuantity(
    cartId: string,
    lineId: string,
    quantity: number,
    unitPrice: number,
    manager: EntityManager,
  ): Promise<boolean> {
    const rows = await this.rows<{ id: string }>(
      manager,
      `UPDATE cart_lines SET quantity = $3, added_unit_price = $4, updated_at = now()
        WHERE id = $1 AND cart_id = $2 RETURNING id`,
      [lineId, cartId, quantity, unitPrice],
    );
    return rows.length === 1;
  }

  async removeLine(cartId: string, lineId: string, manager: EntityManager): Promise<boolean> {
    if (!isUuid(lineId)) return false;
    const rows = await this.rows<{ id: string }>(
      manager,
      `DELETE FROM cart_lines WHERE id = $1 AND cart_id = $2 RETURNING id`,
      [lineId, cartId],
    );
    return rows.length === 1;
  }

  async expireGuestCarts(cutoff: Date, limit: number, manager: EntityManager): Promise<number> {
    // Batches with SKIP LOCKED: a cart a shopper is writing to right now is
    // left for the next run instead of blocking (or being expired under) them.
    return this.guestCartBatch(
      `UPDATE carts SET status = 'expired', updated_at = now()
        WHERE id IN (${oldestGuestCarts("'active'")}) RETURNING id`,
      cutoff,
      limit,
      manager,
    );
  }

  async deleteClosedGuestCarts(
    cutoff: Date,
    limit: number,
    manager: EntityManager,
  ): Promise<number> {
    // A closed cart takes no writes, but a merge may still be reading one
    // (a retry of a merge done): skipped, it goes next run.
    return this.guestCartBatch(
      `DELETE FROM carts WHERE id IN (${oldestGuestCarts("'expired', 'merged'")}) RETURNING id`,
      cutoff,
      limit,
      manager,
    );
  }

  private async guestCartBatch(
    statement: string,
    cutoff: Date,
    limit: number,
    manager: EntityManager,
  ): Promise<number> {
    return (await this.rows<{ id: string }>(manager, statement, [cutoff, limit])).length;
  }
}

/**
 * Up to $2 guest carts in one of `statuses` (SQL literals) untouched since
 * $1, oldest first, locked, skipping those another transaction holds.
 */
function oldestGuestCarts(statuses: string): string {
  return `SELECT id FROM carts
           WHERE user_id IS NULL AND status IN (${statuses}) AND updated_at < $1
           ORDER BY updated_at
           LIMIT $2
           FOR UPDATE SKIP LOCKED`;
}
