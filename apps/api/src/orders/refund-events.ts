import {
  foreignRefunded,
  ledgerOf,
  Money,
  type OrderStatus,
  type PaymentLedger,
  PaymentNotFoundError,
  REFUND_FAILURE_TRANSITIONS,
  REFUNDABLE_STATUSES,
  refundFailureTransition,
  refundStatus,
  transition,
} from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';

import {
  type PaymentEventOutcome,
  StalePreparationError,
  UnusablePaymentEventError,
} from '../payments/payment-event-handler.js';
import { PaymentGateway } from '../payments/payment-gateway.js';
import { awaitsPayment } from './awaited-payment.js';
import { OrderRepository, type OrderSnapshot } from './order.repository.js';
import { RefundLedger } from './refund-ledger.js';

export interface ChargeObject {
  id?: unknown;
  payment_intent?: unknown;
  amount_refunded?: unknown;
  currency?: unknown;
}

/**
 * What Stripe counts as refunded of a charge, read before the order was
 * locked, and the order's version when it was read (before Stripe was asked,
 * so everything the order showed then is in Stripe's figure).
 */
export interface ChargeReading {
  kind: 'charge';
  orderVersion: string;
  refundedNow: number;
}

const idOf = (v: string | { id: string } | null | undefined): string | undefined =>
  typeof v === 'string' ? v : v?.id;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const int = (v: unknown): number | undefined =>
  Number.isSafeInteger(v) ? (v as number) : undefined;
/** Stripe's lower-case ISO code, as the order's figures spell it; undefined when absent or odd. */
const currencyOf = (v: unknown): string | undefined => {
  const code = str(v)?.toUpperCase();
  return code && /^[A-Z]{3}$/.test(code) ? code : undefined;
};
/** Whose figures a charge's or refund's money is; the order's when Stripe did not say. */
const ledgerFor = (order: OrderSnapshot, currency: string | undefined): PaymentLedger =>
  currency === undefined ? 'order' : ledgerOf(order.currency, Money.of(0, currency));
/** What the order counts as refunded in `currency`'s figures. */
const refundedIn = (order: OrderSnapshot, currency: string | undefined): number =>
  ledgerFor(order, currency) === 'order'
    ? order.amountRefunded.amount
    : (order.foreignPayment?.refunded.amount ?? 0);

/**
 * Statuses of a refund whose money stayed with the shop after Stripe had
 * counted it: `failed` (the bank could not deliver it) and `canceled` (a
 * refund waiting for the customer's action, cancelled or expired). Either is
 * taken back the same way, and the order can be refunded again.
 */
const TAKEN_BACK_STATUSES: readonly (string | null | undefined)[] = ['failed', 'canceled'];
const isTakenBackStatus = (refund: Stripe.Refund): boolean =>
  TAKEN_BACK_STATUSES.includes(refund.status);

/**
 * `charge.refunded` and refunds that did not go through (`refund.failed`,
 * and `refund.updated` or `charge.refund.updated` with status `failed` or
 * `canceled`) applied to orders. Stripe is read, when it must be,
 * in `prepare*` before any lock; `apply*` runs under the order's row lock
 * and refuses a reading the order has moved past since.
 */
@Injectable()
export class RefundEvents {
  private readonly logger = new Logger(RefundEvents.name);

  constructor(
    private readonly orders: OrderRepository,
    private readonly payments: PaymentGateway,
    private readonly ledger: RefundLedger,
  ) {}

  /**
   * A charge figure above the order's may be a snapshot from before one of
   * the charge's refunds failed, still counting money that came back. Stripe
   * delivers events in any order and no field of the charge tells, so once
   * the ledger knows a failed refund of the order, Stripe's current figure is
   * read to bound it. Orders without a failed refund (nearly all) never ask.
   */
  async prepareRefunded(charge: ChargeObject): Promise<ChargeReading | undefined> {
    const intentId = str(charge.payment_intent);
    const chargeId = str(charge.id);
    const reported = int(charge.amount_refunded);
    if (!intentId || !chargeId || reported === undefined) return undefined;
    const order = await this.orders.findByPaymentIntent(intentId);
    if (!order || order.status === 'pending_payment') return undefined;
    if (reported <= refundedIn(order, currencyOf(charge.currency))) return undefined;
    if ((await this.ledger.failedCount(order.id)) === 0) return undefined;
    return this.read(order, chargeId);
  }

  async applyRefunded(
    charge: ChargeObject,
    prepared: ChargeReading | undefined,
    m: EntityManager,
  ): Promise<PaymentEventOutcome> {
    const intentId = str(charge.payment_intent);
    const reported = int(charge.amount_refunded);
    if (!intentId || reported === undefined) return 'ignored';
    const order = await this.orders.lockByPaymentIntent(intentId, m);
    if (!order) return 'ignored';
    if (awaitsPayment(order, 'refund')) return 'deferred'; // re-applied once paid
    // A payment in another currency was never the order's money (a late
    // payment, or one rejected after review): its refund is not the order's
    // either, and is counted in that payment's own figures.
    const currency = currencyOf(charge.currency);
    if (currency !== undefined && ledgerFor(order, currency) === 'foreign') {
      return this.applyForeignRefunded(order, Money.of(reported, currency), prepared, m);
    }
    // Set, never add: a cumulative figure, so an older event arriving late
    // cannot lower it and a repeated one changes nothing.
    if (reported <= order.amountRefunded.amount) return 'processed';
    let refunded = reported;
    if ((await this.ledger.failedCount(order.id, m)) > 0) {
      refunded = Math.min(reported, this.reading(order, prepared).refundedNow);
      if (refunded <= order.amountRefunded.amount) return 'processed';
    }
    const amount = Money.of(refunded, order.currency);
    await this.orders.update(
      order.id,
      {
        amountRefunded: amount.amount,
        refundRequested: Math.max(order.refundRequested.amount, amount.amount),
      },
      m,
    );
    if (REFUNDABLE_STATUSES.includes(order.status)) {
      const to: OrderStatus = refundStatus(order.amountPaid, amount);
      await this.orders.recordTransition(
        order.id,
        transition(order.status, to, 'charge.refunded'),
        m,
      );
    }
    return 'processed';
  }

  /** `charge.refunded` of a payment kept apart from the order's figures: set in its own. */
  private async applyForeignRefunded(
    order: OrderSnapshot,
    reported: Money,
    prepared: ChargeReading | undefined,
    m: EntityManager,
  ): Promise<PaymentEventOutcome> {
    // As for the order's figures: an older or repeated figure changes
    // nothing. Checked before the failed refunds, as `prepareRefunded` read
    // Stripe for none such: without this, an old event of an order with a
    // failed refund asked for a reading it never got, and could never apply.
    if (reported.amount <= (order.foreignPayment?.refunded.amount ?? 0)) return 'processed';
    let refunded = reported;
    if ((await this.ledger.failedCount(order.id, m)) > 0) {
      const now = this.reading(order, prepared).refundedNow;
      if (now < refunded.amount) refunded = Money.of(now, reported.currency);
    }
    const next = foreignRefunded(order.foreignPayment, refunded);
    if (next) await this.orders.update(order.id, { foreignPayment: next }, m);
    return 'processed';
  }

  /**
   * Stripe's figure for the charge once the failed or cancelled refund is
   * off it, read here so that no lock waits on Stripe. Skipped when the
   * refund was taken back already (Stripe sends up to three events for one).
   */
  async prepareFailed(refund: Stripe.Refund): Promise<ChargeReading | undefined> {
    const intentId = idOf(refund.payment_intent);
    const chargeId = idOf(refund.charge);
    if (!isTakenBackStatus(refund) || !intentId || !chargeId) return undefined;
    if (await this.ledger.isTakenBack(refund.id)) return undefined;
    const order = await this.orders.findByPaymentIntent(intentId);
    return order ? this.read(order, chargeId) : undefined;
  }

  /**
   * A refund Stripe accepted and then failed (the bank could not deliver
   * it) or cancelled (it waited for the customer's action, and was cancelled
   * or expired): the money stayed with us, so its amount comes off what the order
   * counts as requested, or the rest could never be refunded, and the order
   * goes back to the status that matches what stays refunded (the domain's
   * `refundFailureTransition`), recorded with the failure as its cause. The
   * ledger takes each refund back once, whichever of Stripe's events comes
   * first. Stripe's current figure for the charge bounds it, so a
   * refund that did go through is never taken back.
   */
  async applyFailed(
    refund: Stripe.Refund,
    prepared: ChargeReading | undefined,
    m: EntityManager,
  ): Promise<PaymentEventOutcome> {
    if (!isTakenBackStatus(refund)) return 'ignored'; // other updates change nothing here
    const intentId = idOf(refund.payment_intent);
    if (!intentId || !idOf(refund.charge)) return 'ignored';
    const order = await this.orders.lockByPaymentIntent(intentId, m);
    if (!order) return 'ignored';
    if (await this.ledger.isTakenBack(refund.id, m)) return 'processed';
    const reason = refund.failure_reason ?? null;
    const ledger = ledgerFor(order, currencyOf(refund.currency));
    const stillRefunded = await this.ledger.takeBackFailed(
      {
        ledger,
        orderId: order.id,
        refundId: refund.id,
        amount: refund.amount,
        reason,
        confirmedRefunded: this.reading(order, prepared).refundedNow,
      },
      m,
    );
    if (stillRefunded === null) return 'processed';
    this.logger.warn(
      `Refund ${refund.id} of ${refund.amount} for order ${order.id} ${refund.status} (${reason ?? 'no reason'}); taken back`,
    );
    // A cancelled order (its late payment's refund failed) stays cancelled;
    // a refund in another currency than the order's moves no status of it.
    if (ledger === 'order' && REFUND_FAILURE_TRANSITIONS[order.status].length > 0) {
      const change = refundFailureTransition(
        order.status,
        {
          paid: order.amountPaid,
          stillRefunded: Money.of(stillRefunded, order.currency),
          history: await this.orders.statusHistory(order.id, m),
        },
        `refund.${refund.status}: ${reason ?? 'unknown'}`,
      );
      await this.orders.recordTransition(order.id, change, m);
    }
    return 'processed';
  }

  /**
   * Order first, Stripe second: whatever the order shows is then in Stripe's
   * figure. A charge Stripe does not know makes the event unusable: it is
   * read only when the event's own figures cannot be trusted alone (a
   * `charge.refunded` figure that may still count a failed refund, a failed
   * refund whose take-back must not exceed what stays refunded), and without
   * Stripe's figure the event could book as returned money the customer
   * never got, or free a refund that did go through to be refunded twice.
   * Stripe's own events name charges it knows, so this one is not about the
   * order's money; the order keeps its figures.
   */
  private async read(order: OrderSnapshot, chargeId: string): Promise<ChargeReading> {
    let now: Money;
    try {
      now = await this.payments.refundedAmount(chargeId);
    } catch (error) {
      if (!(error instanceof PaymentNotFoundError)) throw error;
      throw new UnusablePaymentEventError(`charge ${chargeId} is unknown to the payment provider`);
    }
    return { kind: 'charge', orderVersion: order.version, refundedNow: now.amount };
  }

  /**
   * The reading `prepare` made, if the order has not changed since: a
   * refund confirmed or taken back in between could make it wrong either
   * way, so then it is read again.
   */
  private reading(order: OrderSnapshot, prepared: ChargeReading | undefined): ChargeReading {
    if (prepared?.orderVersion !== order.version) {
      throw new StalePreparationError(`order ${order.id}`);
    }
    return prepared;
  }
}
