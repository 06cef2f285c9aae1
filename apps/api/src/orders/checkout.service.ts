import type { AddressDto, CheckoutRequestDto, CheckoutResponseDto } from '@minishop/contracts';
import { CheckoutOrderCancelledError, DomainError, Money } from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { PaymentGateway, type PaymentIntentRef } from '../payments/payment-gateway.js';
import { CheckoutCart } from './checkout-cart.js';
import { CheckoutWriter } from './checkout-writer.js';
import {
  type IdempotencyClaim,
  IdempotencyService,
  type StoredReply,
} from './idempotency.service.js';
import { OrderRepository, type OrderView } from './order.repository.js';
import { OrderLifecycle } from './order-lifecycle.js';
import { OrderNotifications } from './order-notifications.js';
import { OrderPlacement, type PlacedOrder } from './order-placement.js';
import { toOrderDto } from './persistence/order.mapper.js';

type Claim = IdempotencyClaim<CheckoutResponseDto>;

function checkoutReply(order: OrderView, intent: PaymentIntentRef): CheckoutResponseDto {
  return {
    order: toOrderDto(order),
    payment: { provider: 'stripe', paymentIntentId: intent.id, clientSecret: intent.clientSecret },
  };
}

/** The provider's idempotency key of an order's PaymentIntent: one intent per order, ever. */
export const paymentIntentKey = (orderId: string) => `order-${orderId}-intent`;

/**
 * POST /checkout. The order is made in one transaction (key claimed, cart
 * closed, prices re-read, order and snapshots written, stock reserved: see
 * OrderPlacement); the PaymentIntent is created after commit, because a
 * provider call must not hold row locks, and if that call fails the order is
 * cancelled and its stock released, so no half-made order stays behind. A
 * second statement stores the intent, enqueues the "order placed" mail and
 * stores the reply (CheckoutWriter.finish).
 */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger(CheckoutService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly orders: OrderRepository,
    private readonly placement: OrderPlacement,
    private readonly cart: CheckoutCart,
    private readonly payments: PaymentGateway,
    private readonly idempotency: IdempotencyService,
    private readonly lifecycle: OrderLifecycle,
    private readonly notifications: OrderNotifications,
    private readonly writer: CheckoutWriter,
  ) {}

  async checkout(
    userId: string,
    idempotencyKey: string,
    request: CheckoutRequestDto,
  ): Promise<CheckoutResponseDto> {
    const reply = await this.idempotency.run<CheckoutResponseDto>(
      { userId, scope: 'checkout', key: idempotencyKey, body: request },
      (claim) => this.placeOrder(userId, idempotencyKey, request.shippingAddress, claim),
    );
    return reply.body;
  }

  private async placeOrder(
    userId: string,
    key: string,
    address: AddressDto,
    claim: Claim,
  ): Promise<StoredReply<CheckoutResponseDto>> {
    const placed = await this.placement.place(userId, key, address, claim);
    if (!placed.made) return this.resumeOrder(userId, placed);
    const { order, buyerEmail } = placed.made;
    const intent = await this.createIntent(userId, placed, order.total, order.currency);
    // Not stored when a resumed request attached it first; the provider key
    // makes it the same intent either way.
    const view = { ...order, paymentIntentId: intent.id };
    const reply = { status: 201, body: checkoutReply(view, intent) };
    const mail = await this.notifications.orderPlacedStatement({
      orderId: order.id,
      buyerEmail,
      total: order.total,
      currency: order.currency,
    });
    const finished = await this.writer.finish({
      orderId: order.id,
      paymentIntentId: intent.id,
      mail,
      completion: claim.forCompletion(reply),
    });
    return claim.completedWith(reply, finished.reply as CheckoutResponseDto | undefined);
  }

  /** An order an earlier attempt made: finish it (its intent fetched or made) and read it back. */
  private async resumeOrder(
    userId: string,
    placed: PlacedOrder,
  ): Promise<StoredReply<CheckoutResponseDto>> {
    const intent = await this.ensurePaymentIntent(userId, placed);
    const view = await this.orders.view(placed.orderId);
    if (!view) throw new Error(`order ${placed.orderId} vanished after checkout`);
    return { status: 201, body: checkoutReply(view, intent) };
  }

  private async ensurePaymentIntent(
    userId: string,
    placed: PlacedOrder,
  ): Promise<PaymentIntentRef> {
    const order = await this.orders.view(placed.orderId);
    if (!order) throw new Error(`order ${placed.orderId} vanished after checkout`);
    if (order.paymentIntentId) return this.payments.retrieveIntent(order.paymentIntentId);
    // Expired or given up while it had no intent: a new one would take money
    // for an order whose stock is gone (and be refunded as a late payment).
    if (order.status === 'cancelled') throw new CheckoutOrderCancelledError(order.id);

    const intent = await this.createIntent(userId, placed, order.total, order.currency);
    await this.tx.run((m) => this.attachIntent(order, intent.id, m));
    return intent;
  }

  /**
   * Stores the order's intent and, when this call stored it, announces the
   * order: once it can be paid, not when it might still be abandoned.
   */
  private async attachIntent(
    order: { id: string; total: number; currency: string },
    intentId: string,
    m: EntityManager,
  ): Promise<void> {
    const stored = await this.orders.attachPaymentIntent(order.id, intentId, m);
    if (!stored) return;
    await this.notifications.orderPlaced(
      {
        orderId: order.id,
        buyerEmail: stored.buyerEmail,
        total: order.total,
        currency: order.currency,
      },
      m,
    );
  }

  private async createIntent(
    userId: string,
    placed: PlacedOrder,
    total: number,
    currency: string,
  ): Promise<PaymentIntentRef> {
    try {
      return await this.payments.createIntent({
        orderId: placed.orderId,
        amount: Money.of(total, currency),
        // Derived from the order: a retried checkout gets the same intent back.
        idempotencyKey: paymentIntentKey(placed.orderId),
        metadata: { orderId: placed.orderId, userId },
      });
    } catch (error) {
      await this.abandon(placed, error);
      throw error;
    }
  }

  /**
   * The provider would not give us a payment: the order can never be paid,
   * so it is cancelled now rather than holding stock until expiry, its key
   * is freed for a retry, and the customer gets the cart back.
   */
  private async abandon(placed: PlacedOrder, cause: unknown): Promise<void> {
    this.logger.warn(
      `PaymentIntent for order ${placed.orderId} could not be created; cancelling it: ${
        cause instanceof DomainError || cause instanceof Error ? cause.message : String(cause)
      }`,
    );
    await this.tx.run(async (m) => {
      const order = await this.orders.lockById(placed.orderId, m);
      if (!order || order.status !== 'pending_payment' || order.paymentIntentId) return;
      await this.lifecycle.cancelPending(order, 'payment_unavailable', m);
      await this.orders.update(order.id, { clearCheckoutKey: true }, m);
      if (placed.cartId) await this.cart.reopen(placed.cartId, m);
    });
  }
}
