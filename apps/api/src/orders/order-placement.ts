import { randomUUID } from 'node:crypto';

import type { AddressDto, CheckoutResponseDto } from '@minishop/contracts';
import {
  AccountDisabledError,
  ArchivedProductInCartError,
  CartClosedError,
  EmptyCartError,
  IdempotencyKeyReusedError,
  InsufficientStockError,
  Money,
  type OrderTotals,
  orderTotals,
  OrderTotalTooLargeError,
  OrderTotalTooSmallError,
  PaymentAmountTooSmallError,
} from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { Clock } from '../infrastructure/clock/clock.js';
import { AppConfig } from '../infrastructure/config/app-config.js';
import { PaymentGateway, type PaymentIntentRef } from '../payments/payment-gateway.js';
import { type CartForCheckout, CheckoutCart } from './checkout-cart.js';
import { newOrderReply, paymentIntentFor } from './checkout-reply.js';
import { type CheckoutWriteOutcome, CheckoutWriter } from './checkout-writer.js';
import type { IdempotencyClaim, StoredReply } from './idempotency.service.js';
import { type NewOrder, OrderRepository } from './order.repository.js';
import { OrderNotifications } from './order-notifications.js';
import { cancelUnusedIntent } from './unused-intent.js';

type Claim = IdempotencyClaim<CheckoutResponseDto>;

export type PlacedOrder =
  /** Placed by this request: its reply, as stored under the key. */
  | { made: true; reply: StoredReply<CheckoutResponseDto> }
  /** An earlier attempt under this key made this order; the caller finishes it. */
  | { made: false; orderId: string };

/** Reads and writes lost to a concurrent change of the cart or the stock before giving up. */
const ATTEMPTS = 5;

/**
 * Turns the caller's cart into an order: the cart and prices are read
 * without locks and the order priced (domain rules); its PaymentIntent is
 * made next, as no row is locked yet; then everything is written in one
 * atomic statement (CheckoutWriter) that claims the key with the reply,
 * closes the cart only if it is unchanged, writes the order with its
 * intent, reserves the stock and enqueues the mail. A provider that fails
 * leaves nothing written. A cart changed in between is read again (a new
 * order, a new intent); so is stock that another checkout took and gave
 * back in between. An intent whose order was not written is cancelled.
 */
@Injectable()
export class OrderPlacement {
  private readonly logger = new Logger(OrderPlacement.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly orders: OrderRepository,
    private readonly cart: CheckoutCart,
    private readonly writer: CheckoutWriter,
    private readonly payments: PaymentGateway,
    private readonly notifications: OrderNotifications,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async place(
    userId: string,
    key: string,
    address: AddressDto,
    claim: Claim,
  ): Promise<PlacedOrder> {
    // Each statement on whichever pooled connection is free (no transaction:
    // the write is one statement). None is held while the provider is
    // asked for the payment, which takes a few hundred milliseconds at
    // Stripe: checkouts must not starve the pool meanwhile.
    const m = this.dataSource.manager;
    if (claim.resumed) {
      // The request that died may have made the order already: finish that one.
      const existing = await this.earlierOrder(m, userId, key, claim);
      if (existing) return { made: false, orderId: existing };
    }
    for (let attempt = 1; ; attempt++) {
      const drafted = await this.draft(m, userId, key, address, claim);
      if ('earlierOrderId' in drafted) return { made: false, orderId: drafted.earlierOrderId };
      const { cart, order } = drafted;
      let intent: PaymentIntentRef;
      try {
        intent = await this.payments.createIntent(paymentIntentFor(order, userId));
      } catch (error) {
        // Under the provider's minimum charge: the cart's fault, not the
        // provider's, refused as the cart's other faults are (nothing
        // written; a repeat still gets its order).
        if (!(error instanceof PaymentAmountTooSmallError)) throw error;
        const refusal = new OrderTotalTooSmallError(Money.of(order.total, order.currency));
        const { earlierOrderId } = await this.refuseUnlessRepeat(m, userId, key, claim, refusal);
        return { made: false, orderId: earlierOrderId };
      }
      const outcome = await this.write(
        m,
        claim,
        cart,
        { ...order, paymentIntentId: intent.id },
        intent,
      );
      if (outcome.kind === 'placed') {
        claim.takenBy(outcome.owner);
        const reply = { status: 201, body: outcome.reply as CheckoutResponseDto };
        return { made: true, reply: claim.completedWith(reply, reply.body) };
      }
      await cancelUnusedIntent(this.payments, this.logger, intent, order.id);
      switch (outcome.kind) {
        case 'key-held-elsewhere':
          throw claim.heldElsewhere();
        case 'account-disabled':
          // As the request would have been answered had it come a moment later.
          throw new AccountDisabledError();
        case 'order-exists': {
          // An earlier attempt under this key made the order and then gave
          // the key up (it failed after its commit): claim it and finish it.
          await claim.take(m);
          const existing = await this.earlierOrder(m, userId, key, claim);
          if (existing) return { made: false, orderId: existing };
          if (attempt >= ATTEMPTS) throw new CartClosedError();
          continue;
        }
        case 'cart-changed':
          if (attempt >= ATTEMPTS) {
            throw new CartClosedError(
              'This cart kept changing while it was checked out; fetch your cart again and retry',
            );
          }
          continue;
        case 'archived': {
          // Archived after the cart was read: refused as the read would have
          // refused it, a repeat of a finished request still getting its reply.
          const { earlierOrderId } = await this.refuseUnlessRepeat(
            m,
            userId,
            key,
            claim,
            new ArchivedProductInCartError(
              outcome.variantIds.map((id) => ({ variantId: id, sku: skuOf(order, id) })),
            ),
          );
          return { made: false, orderId: earlierOrderId };
        }
        case 'short': {
          const short = await this.writer.shortVariants(order.lines, m);
          // Given back in the meantime: try again with what is there now.
          if (short.length === 0 && attempt < ATTEMPTS) continue;
          const named = short.length > 0 ? short : order.lines.map((l) => l.variantId);
          throw new InsufficientStockError(
            named.map((id) => ({ variantId: id, sku: skuOf(order, id) })),
          );
        }
      }
    }
  }

  private async write(
    m: EntityManager,
    claim: Claim,
    cart: CartForCheckout,
    order: NewOrder,
    intent: PaymentIntentRef,
  ): Promise<CheckoutWriteOutcome> {
    const mail = await this.notifications.orderPlacedStatement({
      orderId: order.id,
      buyerEmail: cart.buyerEmail,
      total: order.total,
      currency: order.currency,
    });
    const { status, body } = claim.forCompletion({
      status: 201,
      body: newOrderReply(order, intent),
    });
    return this.writer.write(
      {
        claim: claim.forStatement(),
        cart: { id: cart.id, version: cart.version },
        order,
        mail,
        reply: { status, body },
      },
      m,
    );
  }

  /**
   * The caller's cart and the order it makes at today's prices (with fresh
   * ids, no intent yet), or the order an earlier attempt under this key
   * made, or the reason it makes none.
   */
  private async draft(
    m: EntityManager,
    userId: string,
    key: string,
    address: AddressDto,
    claim: Claim,
  ): Promise<
    { cart: CartForCheckout; order: Omit<NewOrder, 'paymentIntentId'> } | { earlierOrderId: string }
  > {
    const cart = await this.cart.readForCheckout(userId, m);
    if (!cart || cart.lines.length === 0) {
      return this.refuseUnlessRepeat(m, userId, key, claim, new EmptyCartError());
    }
    const archived = cart.lines.filter((l) => l.variant.archived).map((l) => l.variant);
    if (archived.length > 0) {
      return this.refuseUnlessRepeat(
        m,
        userId,
        key,
        claim,
        new ArchivedProductInCartError(archived.map((v) => ({ variantId: v.id, sku: v.sku }))),
      );
    }
    // Short already when read: refused before a payment is asked for. (The
    // write still decides: stock taken after this read refuses it there.)
    const short = cart.lines.filter((l) => l.quantity > l.available).map((l) => l.variant);
    if (short.length > 0) {
      return this.refuseUnlessRepeat(
        m,
        userId,
        key,
        claim,
        new InsufficientStockError(short.map((v) => ({ variantId: v.id, sku: v.sku }))),
      );
    }

    const currency = this.config.storeCurrency;
    const priced = cart.lines.map((line) => ({
      line,
      variant: line.variant,
      quantity: line.quantity,
      unitPrice: Money.of(line.variant.price, line.variant.currency),
    }));
    let totals: OrderTotals;
    try {
      totals = orderTotals(priced, currency);
    } catch (error) {
      // More than one payment can be: refused before a payment is asked
      // for, as the checks above refuse (a repeat still gets its reply).
      if (!(error instanceof OrderTotalTooLargeError)) throw error;
      return this.refuseUnlessRepeat(m, userId, key, claim, error);
    }
    const lines = priced.map((p, i) => ({
      id: randomUUID(),
      variantId: p.variant.id,
      sku: p.variant.sku,
      name: p.variant.name,
      quantity: p.line.quantity,
      unitPrice: p.unitPrice.amount,
      lineTotal: totals.lineTotals[i]!.amount,
    }));
    const order = {
      id: randomUUID(),
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
   * claimed and finished instead. Without one, `refusal` is thrown.
   */
  private async refuseUnlessRepeat(
    m: EntityManager,
    userId: string,
    key: string,
    claim: Claim,
    refusal: Error,
  ): Promise<{ earlierOrderId: string }> {
    await claim.assertFree(m);
    const existing = await this.earlierOrder(m, userId, key, claim);
    if (!existing) throw refusal;
    await claim.take(m);
    return { earlierOrderId: existing };
  }

  /**
   * The id of the order made under this key, if any. The key's own record
   * (with the body's hash) is pruned after 24 hours, the order's key is not:
   * the hash kept with the order refuses another body under the key, however
   * late, as the record does while it lives. (Orders made before the hash
   * was kept have none, and are answered whatever the body.)
   */
  private async earlierOrder(
    m: EntityManager,
    userId: string,
    key: string,
    claim: Claim,
  ): Promise<string | null> {
    const earlier = await this.orders.findByCheckoutKey(userId, key, m);
    if (!earlier) return null;
    if (earlier.requestHash !== null && !claim.isRequest(earlier.requestHash)) {
      throw new IdempotencyKeyReusedError();
    }
    return earlier.id;
  }
}

function skuOf(order: Omit<NewOrder, 'paymentIntentId'>, variantId: string): string {
  return order.lines.find((l) => l.variantId === variantId)?.sku ?? variantId;
}
