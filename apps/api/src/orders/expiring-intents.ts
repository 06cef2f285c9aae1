import { PaymentNotFoundError, PaymentStateConflictError } from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';
import pLimit from 'p-limit';

import { errorMessage } from '../infrastructure/logging/error-message.js';
import { PaymentGateway, type PaymentIntentStatus } from '../payments/payment-gateway.js';
import { freshKeyOf, keyOf } from './intent-cancellation.js';
import type { DueOrder } from './order.repository.js';

/** An intent in these states is a payment made, or being made, in time: its webhook decides. */
const LEFT_FOR_WEBHOOK: ReadonlySet<PaymentIntentStatus> = new Set(['succeeded', 'processing']);

/** Provider calls at once while a run of the expiry sweep asks about its orders. */
const CONCURRENT_CALLS = 8;

/** What the provider said of a page of due orders. */
export interface IntentVerdicts {
  /** Orders that may be cancelled here: their intent is cancelled, unknown, or there is none. */
  cancellable: DueOrder[];
  /** The provider failed: the run stops, and the next one asks again. */
  outage: boolean;
}

/**
 * Asks the provider to cancel the intents of orders whose reservation ran
 * out, before the orders are cancelled here. A customer may have paid just
 * before the deadline with the webhook still on its way: the provider then
 * refuses the cancel, and the order is left for that webhook to mark paid,
 * instead of being cancelled, its stock sold again and the money refunded.
 * No transaction is open during these calls.
 */
@Injectable()
export class ExpiringIntents {
  private readonly logger = new Logger(ExpiringIntents.name);

  constructor(private readonly payments: PaymentGateway) {}

  async cancel(orders: readonly DueOrder[]): Promise<IntentVerdicts> {
    const limit = pLimit(CONCURRENT_CALLS);
    let outage = false;
    const cancellable = await Promise.all(
      orders.map((order) =>
        limit(async () => {
          if (!order.paymentIntentId) return order;
          if (outage) return null;
          try {
            return (await this.cancelled(order.paymentIntentId)) ? order : null;
          } catch (error) {
            outage = true;
            this.logger.warn(
              `Expiry paused until the next run: the payment provider failed (${errorMessage(error)})`,
            );
            return null;
          }
        }),
      ),
    );
    return { cancellable: cancellable.filter((o): o is DueOrder => o !== null), outage };
  }

  /**
   * Whether the intent is cancelled now; false when it was paid or is being
   * paid. `retry`: the reply under the intent's fixed key was replayed (see
   * below), and this is the one more try under a fresh key.
   *
   * Any failure under the fixed key is checked with the provider before it
   * counts as an outage: Stripe replays, for 24 hours, whatever it answered
   * a key first, a 500 included. One transient error would otherwise stop
   * every run at the same order for a day, its stock and every later due
   * order's held. Only a failure of that check, or of the fresh key's
   * cancel, is an outage.
   */
  private async cancelled(paymentIntentId: string, retry = false): Promise<boolean> {
    try {
      await this.payments.cancelIntent(
        paymentIntentId,
        retry ? freshKeyOf(paymentIntentId) : keyOf(paymentIntentId),
      );
      return true;
    } catch (error) {
      // Forgotten by the local emulator on a restart: nobody can pay it.
      if (!retry && error instanceof PaymentNotFoundError) return true;
      if (retry && !(error instanceof PaymentStateConflictError)) throw error;
    }
    // Cancelled already (in the dashboard, say), or paid: the provider knows.
    const intent = await this.payments.retrieveIntent(paymentIntentId);
    if (intent.status === 'canceled') return true;
    if (retry) {
      // Paid or cancelled in the moment between: the next run sees which.
      this.logger.warn(
        `PaymentIntent ${paymentIntentId} is ${intent.status} and the provider would not cancel it: its order is left for the next run`,
      );
      return false;
    }
    if (!LEFT_FOR_WEBHOOK.has(intent.status)) {
      // Cancellable after all: the provider replayed its reply to an earlier
      // cancel under the same key, a refusal given while a payment was being
      // decided that has since failed, or an error. Asked once more under a
      // key of this attempt's own.
      return this.cancelled(paymentIntentId, true);
    }
    this.logger.warn(
      `PaymentIntent ${paymentIntentId} is ${intent.status} past its order's reservation: left for its webhook`,
    );
    return false;
  }
}
