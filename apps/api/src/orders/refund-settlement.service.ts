import {
  PaymentProviderError,
  refundBookingMetadata,
  refundOfBooking,
  refundRefusalReason,
} from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';

import { Clock } from '../infrastructure/clock/clock.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { errorMessage } from '../infrastructure/logging/error-message.js';
import { PaymentGateway, type RefundInput } from '../payments/payment-gateway.js';
import { OrderRepository } from './order.repository.js';
import { bookedMoney, RefundLedger, type UnsettledBooking } from './refund-ledger.js';

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

/**
 * The key a booking's refund is asked under once Stripe has shown it made
 * nothing under the booking's own key, which replays a 500 (see
 * `afterServerError`). Derived, so every run and process asks under the
 * same one and Stripe makes that refund once.
 */
export function keyAfterServerError(bookingKey: string): string {
  return `${bookingKey}-after-5xx`;
}

type Outcome = 'settled' | 'takenBack' | 'left';

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
      const { outcome, providerDown } = await this.settle(booking);
      run[outcome] += 1;
      // The provider cannot be reached: the rest would fail the same way.
      // A 500 Stripe keeps under one booking's key says nothing of the
      // others; stopping there would hold every later booking back behind
      // it until it ages out.
      if (providerDown) break;
    }
    run.left += due.length - run.settled - run.takenBack - run.left;
    run.tooOld = await this.ledger.unsettledBefore(oldest);
    if (run.tooOld > 0) {
      this.logger.warn(
        `${run.tooOld} refund booking(s) were never settled with the provider and are past its ` +
          'key window, so they are not asked for again: list them with `npm run cli -- refunds:unsettled`, ' +
          "check each order's payment in the Stripe Dashboard, then close each with " +
          '`refunds:settle <key> --refund-id re_…` (Stripe made it) or `refunds:take-back <key>` (it did not)',
      );
    }
    return run;
  }

  private async settle(
    booking: UnsettledBooking,
  ): Promise<{ outcome: Outcome; providerDown: boolean }> {
    const order = await this.orders.findById(booking.orderId);
    if (!order?.paymentIntentId) return { outcome: 'left', providerDown: false };
    // The parameters of the booking's first call, so the provider replays
    // its answer to that call if it got it.
    const call: RefundInput = {
      paymentIntentId: order.paymentIntentId,
      amount: bookedMoney(order, booking),
      idempotencyKey: booking.key,
      ...(booking.named ? { metadata: refundBookingMetadata(booking.key) } : {}),
    };
    try {
      const refund = await this.payments.refund(call);
      await this.recordSettled(booking, refund.id, '');
      return { outcome: 'settled', providerDown: false };
    } catch (error) {
      if (refundRefusalReason(error) !== null) {
        return {
          outcome: await this.takeBack(booking, call.paymentIntentId, error),
          providerDown: false,
        };
      }
      if (!isServerError(error)) {
        this.logger.warn(`refund booking ${booking.key} still unsettled: ${errorMessage(error)}`);
        return { outcome: 'left', providerDown: true };
      }
      if (!booking.named) {
        // Its refund, if made, carries nothing to find it by.
        this.logger.warn(
          `refund booking ${booking.key}: the provider replays a server error under its key, and ` +
            'the booking predates refunds naming theirs: check its payment in the Stripe Dashboard ' +
            'and close it with `refunds:settle` or `refunds:take-back`',
        );
        return { outcome: 'left', providerDown: false };
      }
      return { outcome: await this.afterServerError(booking, call), providerDown: false };
    }
  }

  /**
   * The call under the booking's key failed with a 5xx. Stripe keeps that
   * answer once the endpoint began executing and replays it to every retry
   * under the key for 24 hours, so asking again would leave the booking
   * until it ages out, while Stripe may or may not have made the refund.
   * Its payment's refunds, listed by another route, tell: each refund asked
   * for a booking names it in its metadata.
   *
   * Found: settled with it. Not found: Stripe says it made nothing under the
   * key, and the admin's refund is asked again under a key derived from the
   * booking's, with the same amount and metadata. That rather than taking
   * the booking back: taken back, the refund the admin asked for would
   * never be made unless someone noticed, and an admin refunding again
   * would run the same risk of a second refund as this call (were Stripe's
   * list somehow short of the first), only without the look just taken and
   * with an amount chosen anew; kept, the booking still holds that part of
   * the payment against concurrent refunds, and the derived key makes the
   * refund once however many runs ask. A refusal under the derived key
   * takes the booking back, as any refusal; a 5xx under it leaves the
   * booking, and the next run's look finds that refund if it was made,
   * since it names the booking too.
   */
  private async afterServerError(booking: UnsettledBooking, call: RefundInput): Promise<Outcome> {
    let made;
    try {
      made = refundOfBooking(await this.payments.refundsOf(call.paymentIntentId), booking.key);
    } catch (error) {
      this.logger.warn(
        `refund booking ${booking.key} still unsettled, its payment's refunds unread: ${errorMessage(error)}`,
      );
      return 'left';
    }
    if (made) {
      await this.recordSettled(
        booking,
        made.id,
        ", found among its payment's refunds (the provider replays a server error under its key)",
      );
      return 'settled';
    }
    try {
      const refund = await this.payments.refund({
        ...call,
        idempotencyKey: keyAfterServerError(booking.key),
      });
      await this.recordSettled(
        booking,
        refund.id,
        ', asked again under a key of its own (the provider made nothing under the first and replays a server error under it)',
      );
      return 'settled';
    } catch (error) {
      if (refundRefusalReason(error) !== null) {
        return this.takeBack(booking, call.paymentIntentId, error);
      }
      this.logger.warn(
        `refund booking ${booking.key} still unsettled, asked again under a key of its own: ${errorMessage(error)}`,
      );
      return 'left';
    }
  }

  /**
   * Records the refund the provider has for the booking. A booking no
   * longer unsettled was closed meanwhile (by hand, say): the refund stands
   * at the provider whatever the ledger says, and a person must see it.
   */
  private async recordSettled(
    booking: UnsettledBooking,
    refundId: string,
    how: string,
  ): Promise<void> {
    if (await this.ledger.settle(booking.key, refundId)) {
      this.logger.log(`refund booking ${booking.key} settled: ${refundId}${how}`);
    } else {
      this.logger.warn(
        `refund ${refundId} was made for booking ${booking.key}, which was closed meanwhile: ` +
          `check order ${booking.orderId}'s refunds in the Stripe Dashboard`,
      );
    }
  }

  private async takeBack(
    booking: UnsettledBooking,
    paymentIntentId: string,
    refusal: unknown,
  ): Promise<Outcome> {
    // A refusal under the booking's key need not mean nothing was made: a
    // whole refund that met a charge with less left made the rest under a
    // key of its own, named for the booking. Looked for first, when named.
    // Whatever its status: one that failed or was cancelled is taken back
    // by its own events, by its id, and taking the booking back as well
    // would count its amount off twice.
    if (booking.named) {
      try {
        const made = refundOfBooking(await this.payments.refundsOf(paymentIntentId), booking.key);
        if (made) {
          await this.recordSettled(booking, made.id, ", found among its payment's refunds");
          return 'settled';
        }
      } catch (error) {
        this.logger.warn(
          `refund booking ${booking.key} refused, its payment's refunds unread; left: ${errorMessage(error)}`,
        );
        return 'left';
      }
    }
    await this.tx.run((m) => this.ledger.unbook(booking.orderId, booking.key, m));
    this.logger.warn(
      `refund booking ${booking.key} refused by the provider (${refundRefusalReason(refusal) ?? ''}): taken back`,
    );
    return 'takenBack';
  }
}

/** The provider got the request and answered with a 5xx, which Stripe keeps under its key. */
function isServerError(error: unknown): boolean {
  return error instanceof PaymentProviderError && error.reason === 'server_error';
}
