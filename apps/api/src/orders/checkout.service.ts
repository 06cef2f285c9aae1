import type { AddressDto, CheckoutRequestDto, CheckoutResponseDto } from '@minishop/contracts';
import {
  ArchivedProductInCartError,
  DomainError,
  EmptyCartError,
  InsufficientStockError,
  Money,
  orderTotals,
} from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { Clock } from '../infrastructure/clock/clock.js';
import { AppConfig } from '../infrastructure/config/app-config.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { PaymentGateway, type PaymentIntentRef } from '../payments/payment-gateway.js';
import { CheckoutCart } from './checkout-cart.js';
import {
  type IdempotencyClaim,
  IdempotencyService,
  type StoredReply,
} from './idempotency.service.js';
import { type OrderLineSnapshot, OrderRepository, type OrderView } from './order.repository.js';
import { OrderLifecycle } from './order-lifecycle.js';
import { OrderNotifications } from './order-notifications.js';
import { toOrderDto } from './persistence/order.mapper.js';

interface PlacedOrder {
  orderId: string;
  /** The cart it was made from; null when an earlier attempt made the order. */
  cartId: string | null;
  /** The order as this request wrote it; null when an earlier attempt made it. */
  made: OrderView | null;
}

type Claim = IdempotencyClaim<CheckoutResponseDto>;

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { driverError?: { code?: string; constraint?: string } };
  return e?.driverError?.code === '23505' && e.driverError.constraint === constraint;
}

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
 * closed, prices re-read, order and snapshots written, stock reserved); the
 * PaymentIntent is created after commit, because a provider call must not
 * hold row locks, and if that call fails the order is cancelled and its
 * stock released, so no half-made order stays behind. A second transaction
 * stores the intent, enqueues the "order placed" mail and stores the reply.
 */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger(CheckoutService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly orders: OrderRepository,
    private readonly cart: CheckoutCart,
    private readonly payments: PaymentGateway,
    private readonly idempotency: IdempotencyService,
    private readonly lifecycle: OrderLifecycle,
    private readonly notifications: OrderNotifications,
    private readonly config: AppConfig,
    private readonly clock: Clock,
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
    const placed = await this.createOrder(userId, key, address, claim);
    if (!placed.made) return this.resumeOrder(userId, placed);
    const order = placed.made;
    const intent = await this.createIntent(userId, placed, order.total, order.currency);
    return this.tx.run(async (m) => {
      const stored = await this.orders.attachPaymentIntent(order.id, intent.id, m);
      // Announced once the order can be paid, not when it might still be abandoned.
      if (stored) {
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
      // Not stored: a resumed request attached it first; the provider key
      // makes it the same intent either way.
      const view = { ...order, paymentIntentId: intent.id };
      return claim.complete({ status: 201, body: checkoutReply(view, intent) }, m);
    });
  }

  private async createOrder(
    userId: string,
    key: string,
    address: AddressDto,
    claim: Claim,
  ): Promise<PlacedOrder> {
    try {
      return await this.tx.run((m) => this.createOrderIn(userId, key, address, claim, m), {
        retries: 2,
      });
    } catch (error) {
      // An order already holds this key: an abandoned key was retaken while
      // its first request still ran, or an earlier attempt failed after its
      // order was made. That order won the unique index; carry on with it.
      if (!isUniqueViolation(error, 'orders_user_checkout_key')) throw error;
      return this.tx.run((m) => this.createOrderIn(userId, key, address, claim, m, true));
    }
  }

  private async createOrderIn(
    userId: string,
    key: string,
    address: AddressDto,
    claim: Claim,
    m: EntityManager,
    orderMayExist = claim.resumed,
  ): Promise<PlacedOrder> {
    await claim.take(m);
    if (orderMayExist) {
      const existing = await this.orders.findIdByCheckoutKey(userId, key, m);
      if (existing) return { orderId: existing, cartId: null, made: null };
    }

    const cart = await this.cart.closeForCheckout(userId, m);
    if (!cart || cart.lines.length === 0) throw new EmptyCartError();

    const variants = new Map(
      (
        await this.orders.findVariantsForSale(
          cart.lines.map((l) => l.variantId),
          m,
        )
      ).map((v) => [v.id, v]),
    );
    const archived = [...variants.values()].filter((v) => v.archived);
    if (archived.length > 0) {
      throw new ArchivedProductInCartError(archived.map((v) => ({ variantId: v.id, sku: v.sku })));
    }

    const currency = this.config.storeCurrency;
    const priced = cart.lines.map((line) => {
      const v = variants.get(line.variantId)!;
      return {
        line,
        variant: v,
        quantity: line.quantity,
        unitPrice: Money.of(v.price, v.currency),
      };
    });
    const totals = orderTotals(priced, currency);
    const lines: OrderLineSnapshot[] = priced.map((p, i) => ({
      variantId: p.variant.id,
      sku: p.variant.sku,
      name: p.variant.name,
      quantity: p.line.quantity,
      unitPrice: p.unitPrice.amount,
      lineTotal: totals.lineTotals[i]!.amount,
    }));
    const made = await this.orders.insert(
      {
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
      },
      m,
    );
    // Reserved last: the variant rows are the hot spot every buyer of a
    // product contends for, so their locks are held only from here to commit.
    const short = await this.orders.reserveStock(cart.lines, m);
    if (short.length > 0) {
      // Thrown inside the transaction: whatever was reserved for the other
      // lines is rolled back with it, and the cart and the claim too.
      throw new InsufficientStockError(
        short.map((id) => ({ variantId: id, sku: variants.get(id)?.sku ?? id })),
      );
    }
    return { orderId: made.id, cartId: cart.id, made };
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

    const intent = await this.createIntent(userId, placed, order.total, order.currency);
    await this.tx.run(async (m) => {
      const stored = await this.orders.attachPaymentIntent(order.id, intent.id, m);
      if (stored) {
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
    });
    return intent;
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
