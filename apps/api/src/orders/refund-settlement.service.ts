import { Money, refundRefusalReason } from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { errorMessage } from '../infrastructure/logging/error-message.js';
import { PaymentGateway } from '../payments/payment-gateway.js';
import { OrderRepository } from './order.repository.js';
import { bookedCurrency, RefundLedger, type UnsettledBooking } from './refund-ledger.js';

/**
 * How old a booking must be before the job asks for it: its own request
 * (and the provider's retries within it) has long given up by then.
 */
export const SETTLE_AFTER_MS = 10 * 60_000;
/**
 * Stripe remembers an idempotency key for 24 hours; past that the same
 * call would be a new refund, a second one if the first was made. An hour
 * short of it, so a run never asks under a key forgotten in the meantime.
 */
export const PROVIDER_KEY_WINDOW_MS = 23 * 3_600_000;
const BATCH = 50;

export interface RefundSettlementRun {
  /** The provider has them now (made now, or had made them already). */
  settled: number;
  /** Refused by the provider: taken back off the order's figures. */
  takenBack: number;
  /** Still unknown: the provider could not be asked; the next run asks again. */
  left: number;
  /** Unsettled past the provider's key window: nobody may ask again. */
  tooOld: number;
}

/**
 * Settles refund bookings whose provider call failed without a refusal and
 * was never retried, or whose process died around it (job
 * `orders.settle-refunds`). Such a booking counts as requested, so that
 * part of the payment can be refunded no more, while the provider may or
 * may not have made the refund. The same call under the same key settles
 * it, as the client's own retry would: the provider answers with the
 * refund it made, or makes it now, as the admin asked; a refusal takes the
 * booking back, as during the request.
 */
@Injectable()
export class RefundSettlementService {
  private readonly logger = new Logger('RefundSettlement');

  constructor(
    private readonly ledger: RefundLedger,
    private readonly orders: OrderRepository,
    private readonly payments: PaymentGateway,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  async settleStale(now: Date = this.clock.now()): Promise<RefundSettlementRun> {
    const run: RefundSettlementRun = { settled: 0, takenBack: 0, left: 0, tooOld: 0 };
    const oldest = new Date(now.getTime() - PROVIDER_KEY_WINDOW_MS);
    const due = await this.ledger.unsettled({
      bookedAfter: oldest,
      bookedBefore: new Date(now.getTime() - SETTLE_AFTER_MS),
      limit: BATCH,
    });
    for (const booking of due) {
      const outcome = await this.settle(booking);
      run[outcome] += 1;
      // The provider cannot be reached: the rest would fail the same way.
      if (outcome === 'left') break;
    }
    run.left += due.length - run.settled - run.takenBack - run.left;
    run.tooOld = await this.ledger.unsettledBefore(oldest);
    if (run.tooOld > 0) {
      this.logger.warn(
        `${run.tooOld} refund booking(s) were never settled with the provider and are past its ` +
          'key window: check those payments in the Stripe Dashboard (refund_bookings.settled_at IS NULL)',
      );
    }
    return run;
  }

  private async settle(booking: UnsettledBooking): Promise<'settled' | 'takenBack' | 'left'> {
    const order = await this.orders.findById(booking.orderId);
    if (!order?.paymentIntentId) return 'left';
    try {
      // The parameters of the booking's first call, so the provider replays
      // its answer to that call if it got it.
      const refund = await this.payments.refund({
        paymentIntentId: order.paymentIntentId,
        amount: Money.of(booking.amount, bookedCurrency(order, booking.ledger)),
        idempotencyKey: booking.key,
      });
      await this.ledger.settle(booking.key, refund.id);
      this.logger.log(`refund booking ${booking.key} settled: ${refund.id}`);
      return 'settled';
    } catch (error) {
      const refusal = refundRefusalReason(error);
      if (refusal === null) {
        this.logger.warn(`refund booking ${booking.key} still unsettled: ${errorMessage(error)}`);
        return 'left';
      }
      await this.tx.run((m) => this.ledger.unbook(booking.orderId, booking.key, m));
      this.logger.warn(
        `refund booking ${booking.key} refused by the provider (${refusal}): taken back`,
      );
      return 'takenBack';
    }
  }
}
