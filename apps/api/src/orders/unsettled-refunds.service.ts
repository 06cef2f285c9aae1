import {
  Money,
  OrderNotFoundError,
  RefundBookingConflictError,
  refundBookingMismatch,
  RefundBookingMismatchError,
  RefundBookingNotFoundError,
  refundOfBooking,
} from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { PaymentGateway } from '../payments/payment-gateway.js';
import { OrderRepository } from './order.repository.js';
import { bookedMoney, RefundLedger, type UnsettledBooking } from './refund-ledger.js';
import { PROVIDER_KEY_WINDOW_MS, SETTLE_AFTER_MS } from './refund-settlement.service.js';

/**
 * From when a booking may be taken back by hand: past the settlement job's
 * window, and one run's interval more, so no run still at work on it can
 * make its refund after the person looked.
 */
const TAKE_BACK_AFTER_MS = PROVIDER_KEY_WINDOW_MS + SETTLE_AFTER_MS;

/** An unsettled booking as a person reads it. */
export interface UnsettledRefund {
  key: string;
  orderId: string;
  amount: Money;
  bookedAt: Date;
  /** Past the provider's key window: the job no longer asks for it, only a person can close it. */
  pastKeyWindow: boolean;
}

/** What closing a booking by hand did. */
export interface ClosedRefundBooking {
  key: string;
  orderId: string;
  amount: Money;
  /** The provider's refund it was settled with; absent when taken back. */
  refundId?: string;
}

/** The most bookings listed at once: they are few, each an incident of its own. */
const LIST_LIMIT = 1_000;

/**
 * Closing refund bookings by hand (`refunds:unsettled`, `refunds:settle`,
 * `refunds:take-back`): the ones the settlement job cannot, past Stripe's
 * key window or with a key whose failure Stripe replays, once a person has
 * looked at the payment in the Stripe Dashboard. Each checks what it can
 * with the provider first, so a slip of the hand cannot book a refund
 * nobody made or free one that was.
 */
@Injectable()
export class UnsettledRefundsService {
  private readonly logger = new Logger('Refunds');

  constructor(
    private readonly ledger: RefundLedger,
    private readonly orders: OrderRepository,
    private readonly payments: PaymentGateway,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  /**
   * The unsettled bookings, oldest first, the one in flight now included:
   * up to `limit`, and whether more exist (a long provider outage can leave
   * more than are worth listing at once).
   */
  async list(
    now: Date = this.clock.now(),
    limit = LIST_LIMIT,
  ): Promise<{ bookings: UnsettledRefund[]; more: boolean }> {
    const found = await this.ledger.unsettled({
      bookedAfter: new Date(0),
      bookedBefore: now,
      limit: limit + 1,
    });
    const bookings = found.slice(0, limit);
    return { bookings: await this.withOrders(bookings, now), more: found.length > limit };
  }

  private async withOrders(
    bookings: readonly UnsettledBooking[],
    now: Date,
  ): Promise<UnsettledRefund[]> {
    const orders = new Map(
      (await this.orders.findByIds([...new Set(bookings.map((b) => b.orderId))])).map((o) => [
        o.id,
        o,
      ]),
    );
    // An order deleted since (its bookings go with it) is left out.
    return bookings.flatMap((booking) => {
      const order = orders.get(booking.orderId);
      if (!order) return [];
      return [
        {
          key: booking.key,
          orderId: booking.orderId,
          amount: bookedMoney(order, booking),
          bookedAt: booking.bookedAt,
          pastKeyWindow: booking.bookedAt.getTime() <= now.getTime() - PROVIDER_KEY_WINDOW_MS,
        },
      ];
    });
  }

  /**
   * Records that the provider made the booking's refund: `refundId` must be
   * a refund of the order's payment, of the amount booked, not failed or
   * cancelled, not named for another booking nor settling one already.
   */
  async settle(key: string, refundId: string): Promise<ClosedRefundBooking> {
    const booking = await this.ledger.findUnsettled(key);
    if (!booking) throw new RefundBookingNotFoundError(key);
    const { paymentIntentId, amount } = await this.bookingWithOrder(booking);
    const settles = await this.ledger.settledBy(refundId);
    if (settles !== null) {
      throw new RefundBookingConflictError(
        `Refund ${refundId} settles the booking ${settles} already: one refund settles one booking`,
      );
    }
    const refund = (await this.payments.refundsOf(paymentIntentId)).find((r) => r.id === refundId);
    if (!refund) {
      throw new RefundBookingMismatchError(
        `Refund ${refundId} is not a refund of order ${booking.orderId}'s payment (${paymentIntentId})`,
      );
    }
    const mismatch = refundBookingMismatch({ key, amount }, refund);
    if (mismatch !== null) throw new RefundBookingMismatchError(`Not settled: ${mismatch}`);
    // Settled or taken back since it was read: nothing recorded twice.
    if (!(await this.ledger.settle(key, refund.id))) throw new RefundBookingNotFoundError(key);
    this.logger.log(`refund booking ${key} settled by hand: ${refund.id}`);
    return { key, orderId: booking.orderId, amount, refundId: refund.id };
  }

  /**
   * Takes the booking back, so that part of the payment may be refunded
   * again: for a booking whose refund the provider did not make, as a
   * person has checked in the Stripe Dashboard. Refused while its request
   * or the settlement job may still ask the provider for it (which may
   * make the refund between the person's look and this), that is until the
   * job's window and one run's interval are past, and when the payment's
   * refunds include one named for it.
   */
  async takeBack(key: string, now: Date = this.clock.now()): Promise<ClosedRefundBooking> {
    const booking = await this.ledger.findUnsettled(key);
    if (!booking) throw new RefundBookingNotFoundError(key);
    const minutes = Math.floor((now.getTime() - booking.bookedAt.getTime()) / 60_000);
    if (booking.bookedAt.getTime() > now.getTime() - TAKE_BACK_AFTER_MS) {
      throw new RefundBookingConflictError(
        `Booked ${minutes} minute(s) ago: the settlement job may still ask the provider for it; ` +
          `take it back once it is ${TAKE_BACK_AFTER_MS / 60_000} minutes old, or settle it if Stripe shows its refund`,
      );
    }
    const { paymentIntentId, amount } = await this.bookingWithOrder(booking);
    if (booking.named) {
      // The Dashboard may have been read before the refund showed, or for
      // another payment: a refund named for the booking settles it instead.
      const made = refundOfBooking(await this.payments.refundsOf(paymentIntentId), key);
      if (made) {
        throw new RefundBookingConflictError(
          `The provider made refund ${made.id} (${made.status}) for this booking: ` +
            `settle it with refunds:settle ${key} --refund-id ${made.id}`,
        );
      }
    }
    const takenBack = await this.tx.run(async (m) => {
      // The order's row first, as every refund takes its locks.
      await this.orders.lockById(booking.orderId, m);
      return this.ledger.unbookUnsettled(booking.orderId, key, m);
    });
    if (!takenBack) {
      throw new RefundBookingConflictError(`The booking ${key} was settled meanwhile`);
    }
    this.logger.log(`refund booking ${key} taken back by hand`);
    return { key, orderId: booking.orderId, amount };
  }

  private async bookingWithOrder(
    booking: UnsettledBooking,
  ): Promise<{ paymentIntentId: string; amount: Money }> {
    const order = await this.orders.findById(booking.orderId);
    if (!order) throw new OrderNotFoundError(booking.orderId);
    if (!order.paymentIntentId) {
      throw new RefundBookingConflictError(
        `Order ${order.id} has no payment at the provider to check the booking against`,
      );
    }
    return {
      paymentIntentId: order.paymentIntentId,
      amount: bookedMoney(order, booking),
    };
  }
}
