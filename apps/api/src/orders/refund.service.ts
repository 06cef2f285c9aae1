import { createHash } from 'node:crypto';

import type { MoneyAmountDto, RefundResponseDto } from '@minishop/contracts';
import {
  decideHeldRefund,
  foreignRefundable,
  IdempotencyKeyReusedError,
  IllegalTransitionError,
  Money,
  OrderNotFoundError,
  PaymentProviderError,
  refundBookingMetadata,
  refundedOrAsked,
  refundRefusalReason,
} from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { Clock } from '../infrastructure/clock/clock.js';
import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { errorMessage } from '../infrastructure/logging/error-message.js';
import { PaymentGateway } from '../payments/payment-gateway.js';
import { type IdempotencyClaim, IdempotencyService } from './idempotency.service.js';
import { OrderRepository } from './order.repository.js';
import { assertOrderId } from './order-ids.js';
import { OrderQueryService } from './order-query.service.js';
import { bookedMoney, RefundLedger } from './refund-ledger.js';
import { PROVIDER_KEY_WINDOW_MS } from './refund-settlement.service.js';
import { refundWhole } from './whole-refund.js';

interface BookedRefund {
  paymentIntentId: string;
  amount: Money;
  idempotencyKey: string;
  /** False when an earlier attempt under the same key had booked it. */
  bookedNow: boolean;
  /**
   * Sent with the refund: the booking's key, so the refund can be found
   * among its payment's refunds. None for a booking made before refunds
   * named theirs, whose first call went without.
   */
  metadata?: Record<string, string>;
  /**
   * The provider's refund the booking was settled with already (by the
   * settlement job, or a command), when a retry resumed it: the answer,
   * with nothing asked again under a key the provider may answer otherwise.
   */
  settledAs?: string;
}

/** A refund asked with a client Idempotency-Key, and the request's hold on that key. */
interface ClientRefund {
  /** The provider's key for it (clientRefundKey). */
  providerKey: string;
  claim: IdempotencyClaim<RefundResponseDto>;
}

/** Client keys of refunds live apart from checkout's, in the same store. */
const REFUND_IDEMPOTENCY_SCOPE = 'refund';

/**
 * The provider's key for a refund asked with a client key. A claim whose
 * process died is retaken after a while; if that process had already reached
 * the provider, this key makes the provider answer with the same refund
 * instead of moving the money a second time. Hashed: client keys may be
 * longer than the provider accepts.
 */
function clientRefundKey(orderId: string, client: { userId: string; key: string }): string {
  const digest = createHash('sha256').update(`${client.userId}\n${client.key}`).digest('hex');
  return `refund-${orderId}-client-${digest.slice(0, 40)}`;
}

/**
 * POST /admin/orders/:id/refund. The refund is asked of the provider; the
 * order's refund status follows when `charge.refunded` confirms it, so the
 * order reflects money that really moved.
 */
@Injectable()
export class RefundService {
  private readonly logger = new Logger('Refunds');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly orders: OrderRepository,
    private readonly ledger: RefundLedger,
    private readonly payments: PaymentGateway,
    private readonly query: OrderQueryService,
    private readonly idempotency: IdempotencyService,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * With a client Idempotency-Key, checkout's rules apply (IdempotencyService):
   * the same key for the same order and amount replays the first reply and
   * moves money once, even when the repeats arrive together; the key with
   * another order or amount is a 422. Keys belong to the admin who sent them.
   */
  async refund(
    orderId: string,
    requested: MoneyAmountDto | undefined,
    idempotency?: { userId: string; key: string },
  ): Promise<RefundResponseDto> {
    if (!idempotency) return this.refundOnce(orderId, requested, undefined);
    const reply = await this.idempotency.run<RefundResponseDto>(
      {
        userId: idempotency.userId,
        scope: REFUND_IDEMPOTENCY_SCOPE,
        key: idempotency.key,
        body: {
          orderId,
          amount: requested && { amount: requested.amount, currency: requested.currency },
        },
      },
      async (claim) => {
        // The refund spans a provider call, so no transaction of its own can
        // hold the claim: take it first, in a statement of its own.
        await claim.take(this.dataSource.manager);
        const providerKey = clientRefundKey(orderId, idempotency);
        return {
          status: 202,
          body: await this.refundOnce(orderId, requested, { providerKey, claim }),
        };
      },
    );
    return reply.body;
  }

  private async refundOnce(
    orderId: string,
    requested: MoneyAmountDto | undefined,
    client: ClientRefund | undefined,
  ): Promise<RefundResponseDto> {
    assertOrderId(orderId);
    const booked = await this.tx.run((m) => this.book(orderId, requested, client, m));
    let takenBack = false;
    try {
      if (booked.settledAs !== undefined) {
        return await this.settledReply(orderId, booked.paymentIntentId, booked.settledAs);
      }
      let refund;
      try {
        const { paymentIntentId, amount, idempotencyKey, metadata } = booked;
        const call = { paymentIntentId, amount, idempotencyKey, ...(metadata ? { metadata } : {}) };
        // Without an amount the admin asked for everything left: if the charge
        // has less left (refunded in part in the dashboard), that is what goes.
        refund = requested
          ? await this.payments.refund(call)
          : await refundWhole(this.payments, call);
      } catch (error) {
        if (this.mayHaveRefunded(error, booked, client)) throw error;
        await this.tx.run((m) => this.ledger.unbook(orderId, booked.idempotencyKey, m));
        takenBack = true;
        throw error;
      }
      // The refund is made whether this is recorded or not: a booking left
      // unsettled is asked for again under its key (RefundSettlementService),
      // and the provider answers with this refund.
      await this.ledger
        .settle(booked.idempotencyKey, refund.id)
        .catch((error: unknown) =>
          this.logger.warn(
            `refund ${refund.id} made, its booking not marked settled: ${errorMessage(error)}`,
          ),
        );
      return {
        order: await this.query.getForStaff(orderId),
        refund: { id: refund.id, status: refund.status, amount: refund.amount.toJSON() },
      };
    } catch (error) {
      // The booking stayed, and with it perhaps a refund the provider made:
      // the client's key stays this request's, for a retry with it to find
      // the booking and have the provider replay (or make) the same refund.
      // Released, the key would leave that booking to a request it is not.
      if (client && !takenBack) await client.claim.leaveForRetry(this.dataSource.manager);
      throw error;
    }
  }

  /**
   * The reply to a retry whose booking was settled: the refund as the
   * provider shows it now. Its absence from the payment's refunds (which
   * cannot happen while the provider keeps what it made) is a provider
   * error, so the claim stays for a retry rather than a refund being made.
   */
  private async settledReply(
    orderId: string,
    paymentIntentId: string,
    refundId: string,
  ): Promise<RefundResponseDto> {
    const refund = (await this.payments.refundsOf(paymentIntentId)).find((r) => r.id === refundId);
    if (!refund) {
      throw new PaymentProviderError(
        `refund ${refundId} is not among the refunds of ${paymentIntentId}`,
        'server_error',
      );
    }
    return {
      order: await this.query.getForStaff(orderId),
      refund: { id: refund.id, status: refund.status, amount: refund.amount.toJSON() },
    };
  }

  /**
   * Whether a failed provider call leaves the booking in place. A refusal
   * (`refundRefusalReason`) says no refund was made under the key, not even
   * by an earlier attempt of a retry, which the provider would have replayed
   * instead: it is taken back. Anything else (a provider that could not be
   * reached or answered too late, Stripe still at work on the same key) may
   * have refunded. With a client key the booking then stays, as payment
   * review keeps its decision, and a retry under the same provider key finds
   * it: the provider's replay settles it, and a refund made meanwhile is
   * never booked a second time. Without one no retry can find it (the next
   * provider key counts the booking), so it is taken back, as before: if the
   * refund was made, `charge.refunded` counts it, and a repeat before that
   * has the same figures, so the same key, and gets it replayed.
   */
  private mayHaveRefunded(
    error: unknown,
    booked: BookedRefund,
    client: ClientRefund | undefined,
  ): boolean {
    if (refundRefusalReason(error) !== null) return false;
    return client !== undefined || !booked.bookedNow;
  }

  /**
   * Books the refund as requested under the row lock before the provider is
   * called: two refunds at once cannot together exceed what was paid. A
   * retry under the same client key (its first attempt died after booking,
   * or the provider could not be reached, perhaps after it refunded) resumes
   * that attempt's claim, finds its booking and asks the provider again for
   * the same amount under the same key, booking nothing more; the provider
   * then answers with the refund it already made.
   */
  private async book(
    orderId: string,
    requested: MoneyAmountDto | undefined,
    client: ClientRefund | undefined,
    m: EntityManager,
  ): Promise<BookedRefund> {
    const order = await this.orders.lockById(orderId, m);
    if (!order) throw new OrderNotFoundError(orderId);
    const providerKey = client?.providerKey;
    if (client && order.paymentIntentId) {
      const earlier = await this.ledger.bookedAmount(order.id, client.providerKey, m);
      // A booking under the key that this claim did not resume is another
      // request's: the key's reply was pruned after 24 hours, the booking
      // not. Reusing it would skip the booking and its checks while the
      // provider, its key expired as well, makes a new refund. A new refund
      // under its own key is no answer either: this may as well be a late
      // repeat of that request, which must not move the money again (as a
      // checkout sent again with its key, however late, gets its order). The
      // key stays bound to its refund, and a new refund needs a new key.
      if (earlier !== null && !client.claim.resumed) {
        throw new IdempotencyKeyReusedError(
          'This Idempotency-Key was already used for a refund of this order; send a new refund with a new key',
        );
      }
      if (earlier !== null) {
        const resumed = {
          paymentIntentId: order.paymentIntentId,
          amount: bookedMoney(order, earlier),
          idempotencyKey: client.providerKey,
          bookedNow: false,
        };
        // Settled meanwhile, perhaps under another key than this one, whose
        // provider call replays an error (a 500 is kept under its key).
        if (earlier.refundId) return { ...resumed, settledAs: earlier.refundId };
        if (earlier.bookedAt.getTime() < this.clock.now().getTime() - PROVIDER_KEY_WINDOW_MS) {
          // Resumed, but Stripe has forgotten the key by now: the same call
          // would be a new refund, a second one if the first was made. The
          // booking is settled by its refund's events or was asked for by the
          // job (RefundSettlementService) while Stripe still knew the key.
          throw new IdempotencyKeyReusedError(
            "This Idempotency-Key's refund was asked of the payment provider over 23 hours ago, " +
              'and the provider no longer knows the key, so it is not asked again: the order shows ' +
              'what was refunded; send a new refund with a new key for anything left',
          );
        }
        // As the first attempt asked, or Stripe takes it for another request.
        return earlier.named
          ? { ...resumed, metadata: refundBookingMetadata(client.providerKey) }
          : resumed;
      }
    }
    if (!order.paymentIntentId) throw new IllegalTransitionError(order.status, 'refunded');
    const money = {
      status: order.status,
      paid: order.amountPaid,
      refunded: order.amountRefunded,
      requested: order.refundRequested,
      // A lost chargeback or a settlement gave this back already.
      returnedOutside: order.returnedOutside,
    };
    // A cancelled order holding money (its late payment's refund failed) may
    // be refunded too; it stays cancelled, as `charge.refunded` leaves it.
    // Money it holds in another currency is refunded in that currency, in
    // that payment's own figures.
    const { ledger, amount } = decideHeldRefund(
      { ...money, currency: order.currency, foreign: order.foreignPayment },
      requested ? Money.of(requested.amount, requested.currency) : undefined,
    );
    const spoken = refundedOrAsked(
      ledger === 'foreign' && order.foreignPayment
        ? foreignRefundable(order.status, order.foreignPayment)
        : money,
    );
    // Unique per refund of this order and the same on a retry of it. After a
    // failed refund the same figures come round again; the count of failures
    // keeps the provider from answering with the failed refund.
    const failed = providerKey ? 0 : await this.ledger.failedCount(order.id, m);
    const idempotencyKey =
      providerKey ??
      `refund-${order.id}-${ledger === 'foreign' ? `${amount.currency}-` : ''}${spoken.amount}-${amount.amount}${failed > 0 ? `-after-${failed}-failed` : ''}`;
    const bookedNow = await this.ledger.book(
      {
        ledger,
        orderId: order.id,
        key: idempotencyKey,
        amount: amount.amount,
        requestedAfter: spoken.amount + amount.amount,
      },
      m,
    );
    // A booking made now is named on its refund (RefundLedger.book). One
    // already there under the key was asked as it was named then: asked
    // otherwise, Stripe takes the call for another request.
    const named = bookedNow || (await this.ledger.bookedAmount(order.id, idempotencyKey, m))?.named;
    return {
      paymentIntentId: order.paymentIntentId,
      amount,
      idempotencyKey,
      bookedNow,
      ...(named ? { metadata: refundBookingMetadata(idempotencyKey) } : {}),
    };
  }
}
