import type { AddressDto, CheckoutRequestDto, CheckoutResponseDto } from '@minishop/contracts';
import { CheckoutOrderCancelledError } from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { errorMessage } from '../infrastructure/logging/error-message.js';
import { PaymentGateway, type PaymentIntentRef } from '../payments/payment-gateway.js';
import { checkoutReply, paymentIntentFor } from './checkout-reply.js';
import {
  type IdempotencyClaim,
  IdempotencyService,
  type StoredReply,
} from './idempotency.service.js';
import { OrderRepository, type OrderView } from './order.repository.js';
import { OrderLifecycle } from './order-lifecycle.js';
import { OrderNotifications } from './order-notifications.js';
import { OrderPlacement } from './order-placement.js';
import { cancelUnusedIntent } from './unused-intent.js';

type Claim = IdempotencyClaim<CheckoutResponseDto>;

/**
 * POST /checkout. The PaymentIntent is made first, before any row is
 * locked, for an order id chosen then; the order is then made in one
 * statement, so one transaction: key claimed with the reply, cart closed,
 * order and snapshots written with the intent, stock reserved, the "order
 * placed" mail enqueued (see OrderPlacement). A provider that fails leaves
 * nothing written; a process that dies before the commit leaves an intent
 * nobody was given the secret of, which can never be paid.
 *
 * Orders without an intent (made by a request that died between two
 * commits, as checkout once made them) are finished when the same key is
 * sent again: their intent is made then, or the order cancelled when the
 * provider refuses.
 */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger(CheckoutService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly orders: OrderRepository,
    private readonly placement: OrderPlacement,
    private readonly payments: PaymentGateway,
    private readonly idempotency: IdempotencyService,
    private readonly lifecycle: OrderLifecycle,
    private readonly notifications: OrderNotifications,
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
    if (placed.made) return placed.reply;
    return this.resumeOrder(userId, placed.orderId);
  }

  /** An order an earlier attempt made: finish it (its intent fetched or made) and read it back. */
  private async resumeOrder(
    userId: string,
    orderId: string,
  ): Promise<StoredReply<CheckoutResponseDto>> {
    const intent = await this.ensurePaymentIntent(userId, orderId);
    const view = await this.orders.view(orderId);
    if (!view) throw new Error(`order ${orderId} vanished after checkout`);
    return { status: 201, body: checkoutReply(view, intent) };
  }

  private async ensurePaymentIntent(userId: string, orderId: string): Promise<PaymentIntentRef> {
    const order = await this.orders.view(orderId);
    if (!order) throw new Error(`order ${orderId} vanished after checkout`);
    if (order.paymentIntentId) return this.payments.retrieveIntent(order.paymentIntentId);
    // Expired or given up while it had no intent: a new one would take money
    // for an order whose stock is gone (and be refunded as a late payment).
    if (order.status === 'cancelled') throw new CheckoutOrderCancelledError(order.id);

    const intent = await this.createIntent(userId, order);
    if (await this.tx.run((m) => this.attachIntent(order, intent.id, m))) return intent;
    // Not stored: a concurrent retry stored it first (the same intent, made
    // under the order's key), or expiry cancelled the order while the
    // intent was being made, which must then not be payable.
    const now = await this.orders.view(orderId);
    if (now?.paymentIntentId === intent.id) return intent;
    await cancelUnusedIntent(this.payments, this.logger, intent, orderId);
    if (now?.paymentIntentId) return this.payments.retrieveIntent(now.paymentIntentId);
    throw new CheckoutOrderCancelledError(orderId);
  }

  /**
   * Stores the order's intent and, when this call stored it, announces the
   * order: once it can be paid, not when it might still be abandoned.
   * Whether it stored it.
   */
  private async attachIntent(
    order: { id: string; total: number; currency: string },
    intentId: string,
    m: EntityManager,
  ): Promise<boolean> {
    const stored = await this.orders.attachPaymentIntent(order.id, intentId, m);
    if (!stored) return false;
    await this.notifications.orderPlaced(
      {
        orderId: order.id,
        buyerEmail: stored.buyerEmail,
        total: order.total,
        currency: order.currency,
      },
      m,
    );
    return true;
  }

  private async createIntent(userId: string, order: OrderView): Promise<PaymentIntentRef> {
    try {
      return await this.payments.createIntent(paymentIntentFor(order, userId));
    } catch (error) {
      await this.abandon(order.id, error);
      throw error;
    }
  }

  /**
   * The provider would not give us a payment: the order can never be paid,
   * so it is cancelled now rather than holding stock until expiry, and its
   * key is freed for a retry.
   */
  private async abandon(orderId: string, cause: unknown): Promise<void> {
    this.logger.warn(
      `PaymentIntent for order ${orderId} could not be created; cancelling it: ${errorMessage(
        cause,
      )}`,
    );
    await this.tx.run(async (m) => {
      const order = await this.orders.lockById(orderId, m);
      if (!order || order.status !== 'pending_payment' || order.paymentIntentId) return;
      await this.lifecycle.cancelPending(order, 'payment_unavailable', m);
      await this.orders.update(order.id, { clearCheckoutKey: true }, m);
    });
  }
}
