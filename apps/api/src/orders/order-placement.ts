import type { AddressDto } from '@minishop/contracts';
import {
  ArchivedProductInCartError,
  CartClosedError,
  EmptyCartError,
  InsufficientStockError,
  Money,
  orderTotals,
} from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { Clock } from '../infrastructure/clock/clock.js';
import { AppConfig } from '../infrastructure/config/app-config.js';
import { type CartForCheckout, CheckoutCart } from './checkout-cart.js';
import { CheckoutWriter } from './checkout-writer.js';
import type { IdempotencyClaim } from './idempotency.service.js';
import {
  type NewOrder,
  type OrderLineSnapshot,
  OrderRepository,
  type OrderView,
} from './order.repository.js';

export interface PlacedOrder {
  orderId: string;
  /** The cart it was made from; null when an earlier attempt made the order. */
  cartId: string | null;
  /** The order as this request wrote it, and its buyer's e-mail; null when an earlier attempt made it. */
  made: { order: OrderView; buyerEmail: string } | null;
}

/** Reads and writes lost to a concurrent change of the cart or the stock before giving up. */
const ATTEMPTS = 5;

/**
 * Turns the caller's cart into an order: the cart and prices are read
 * without locks, the order priced (domain rules), then everything is written
 * in one atomic statement (CheckoutWriter) that claims the key, closes the
 * cart only if it is unchanged and reserves the stock. A cart changed in
 * between is read again; so is stock that another checkout took and gave
 * back in between.
 */
@Injectable()
export class OrderPlacement {
  constructor(
    private readonly dataSource: DataSource,
    private readonly orders: OrderRepository,
    private readonly cart: CheckoutCart,
    private readonly writer: CheckoutWriter,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async place(
    userId: string,
    key: string,
    address: AddressDto,
    claim: IdempotencyClaim<unknown>,
  ): Promise<PlacedOrder> {
    // One pooled connection for the reads and the write (no transaction:
    // the write is one statement), rather than one per statement.
    const runner = this.dataSource.createQueryRunner();
    try {
      return await this.placeOn(runner.manager, userId, key, address, claim);
    } finally {
      await runner.release();
    }
  }

  private async placeOn(
    m: EntityManager,
    userId: string,
    key: string,
    address: AddressDto,
    claim: IdempotencyClaim<unknown>,
  ): Promise<PlacedOrder> {
    if (claim.resumed) {
      // The request that died may have made the order already: finish that one.
      const existing = await this.orders.findIdByCheckoutKey(userId, key, m);
      if (existing) return { orderId: existing, cartId: null, made: null };
    }
    for (let attempt = 1; ; attempt++) {
      const drafted = await this.draft(m, userId, key, address, claim);
      if ('earlierOrderId' in drafted) {
        return { orderId: drafted.earlierOrderId, cartId: null, made: null };
      }
      const { cart, order } = drafted;
      const outcome = await this.writer.write(
        { claim: claim.forStatement(), cart: { id: cart.id, version: cart.version }, order },
        m,
      );
      switch (outcome.kind) {
        case 'placed':
          claim.takenBy(outcome.owner);
          return {
            orderId: outcome.order.id,
            cartId: cart.id,
            made: { order: outcome.order, buyerEmail: outcome.buyerEmail },
          };
        case 'key-held-elsewhere':
          throw claim.heldElsewhere();
        case 'order-exists': {
          // An earlier attempt under this key made the order and then gave
          // the key up (it failed after its commit): claim it and finish it.
          await claim.take(m);
          const existing = await this.orders.findIdByCheckoutKey(userId, key, m);
          if (!existing) continue;
          return { orderId: existing, cartId: null, made: null };
        }
        case 'cart-changed':
          if (outcome.owner !== null) claim.takenBy(outcome.owner);
          if (attempt >= ATTEMPTS) throw new CartClosedError();
          continue;
        case 'archived': {
          // Archived after the cart was read: refused as the read would have
          // refused it, a repeat of a finished request still getting its reply.
          const earlierOrderId = await this.earlierOrder(m, userId, key, claim);
          if (earlierOrderId) return { orderId: earlierOrderId, cartId: null, made: null };
          throw new ArchivedProductInCartError(
            outcome.variantIds.map((id) => ({
              variantId: id,
              sku: order.lines.find((l) => l.variantId === id)?.sku ?? id,
            })),
          );
        }
        case 'short': {
          const short = await this.writer.shortVariants(order.lines, m);
          // Given back in the meantime: try again with what is there now.
          if (short.length === 0 && attempt < ATTEMPTS) continue;
          const named = short.length > 0 ? short : order.lines.map((l) => l.variantId);
          throw new InsufficientStockError(
            named.map((id) => ({
              variantId: id,
              sku: order.lines.find((l) => l.variantId === id)?.sku ?? id,
            })),
          );
        }
      }
    }
  }

  /**
   * The caller's cart and the order it makes at today's prices, or the
   * order an earlier attempt under this key made, or the reason it makes none.
   */
  private async draft(
    m: EntityManager,
    userId: string,
    key: string,
    address: AddressDto,
    claim: IdempotencyClaim<unknown>,
  ): Promise<{ cart: CartForCheckout; order: NewOrder } | { earlierOrderId: string }> {
    const cart = await this.cart.readForCheckout(userId, m);
    if (!cart || cart.lines.length === 0) {
      const earlierOrderId = await this.earlierOrder(m, userId, key, claim);
      if (earlierOrderId) return { earlierOrderId };
      throw new EmptyCartError();
    }
    const archived = cart.lines.filter((l) => l.variant.archived).map((l) => l.variant);
    if (archived.length > 0) {
      const earlierOrderId = await this.earlierOrder(m, userId, key, claim);
      if (earlierOrderId) return { earlierOrderId };
      throw new ArchivedProductInCartError(archived.map((v) => ({ variantId: v.id, sku: v.sku })));
    }

    const currency = this.config.storeCurrency;
    const priced = cart.lines.map((line) => ({
      line,
      variant: line.variant,
      quantity: line.quantity,
      unitPrice: Money.of(line.variant.price, line.variant.currency),
    }));
    const totals = orderTotals(priced, currency);
    const lines: OrderLineSnapshot[] = priced.map((p, i) => ({
      variantId: p.variant.id,
      sku: p.variant.sku,
      name: p.variant.name,
      quantity: p.line.quantity,
      unitPrice: p.unitPrice.amount,
      lineTotal: totals.lineTotals[i]!.amount,
    }));
    const order = {
      userId,
      checkoutKey: key,
      currency,
      subtotal: totals.subtotal.amount,
      total: totals.total.amount,
      shippingAddress: { ...address },
      reservationExpiresAt: new Date(
        this.clock.now().getTime() + this.config.reservationTtlMinutes * 60_000,
      ),
      lines,
    };
    return { cart, order };
  }

  /**
   * Asked before refusing a checkout. A repeat of a request that succeeded
   * finds the cart closed: it gets the first reply (the key is taken), not
   * a refusal. An earlier attempt that made its order and then failed (after
   * its commit, so it gave the key up) closed the cart too: its order is
   * claimed and finished instead. Null when there is none.
   */
  private async earlierOrder(
    m: EntityManager,
    userId: string,
    key: string,
    claim: IdempotencyClaim<unknown>,
  ): Promise<string | null> {
    await claim.assertFree(m);
    const existing = await this.orders.findIdByCheckoutKey(userId, key, m);
    if (existing) await claim.take(m);
    return existing;
  }
}
