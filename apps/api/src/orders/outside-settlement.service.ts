import type { OrderDto } from '@minishop/contracts';
import { decideOutsideSettlement, OrderNotFoundError } from '@minishop/domain';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { TransactionRunner } from '../infrastructure/database/transaction-runner.js';
import { heldPaymentFigures } from './held-payment-figures.js';
import { IdempotencyService } from './idempotency.service.js';
import { OrderRepository } from './order.repository.js';
import { assertOrderId } from './order-ids.js';
import { OrderQueryService } from './order-query.service.js';

const SETTLEMENT_IDEMPOTENCY_SCOPE = 'outside-settlement';

/**
 * An admin closes by hand the case of a cancelled order holding money that
 * can never go back through the shop (the customer was paid back another
 * way, or agreed otherwise): the domain's `decideOutsideSettlement`, in one
 * transaction under the order's row lock, so a settlement racing an admin
 * refund or a lost dispute counts the held money once. No provider call:
 * nothing moves at Stripe, the order only records what happened outside.
 */
@Injectable()
export class OutsideSettlementService {
  private readonly logger = new Logger(OutsideSettlementService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly orders: OrderRepository,
    private readonly query: OrderQueryService,
    private readonly idempotency: IdempotencyService,
  ) {}

  /**
   * With a client Idempotency-Key, as for refunds and payment reviews: the
   * same key for the same order and note replays the first reply (a double
   * submission settles once and answers 200 twice), the key with another
   * order or note is a 422. Without a key a repeat finds nothing held: 409.
   */
  async settleOnce(
    orderId: string,
    note: string,
    actor: string,
    idempotency: { userId: string; key: string } | undefined,
  ): Promise<OrderDto> {
    if (!idempotency) return this.settle(orderId, note, actor);
    const reply = await this.idempotency.run<OrderDto>(
      { ...idempotency, scope: SETTLEMENT_IDEMPOTENCY_SCOPE, body: { orderId, note } },
      async (claim) => {
        // No provider call: the claim and the settlement commit together.
        await this.tx.run(async (m) => {
          await claim.take(m);
          await this.apply(orderId, note, actor, m);
        });
        return { status: 200, body: await this.query.getForStaff(orderId) };
      },
    );
    return reply.body;
  }

  /** `actor` is who settled, as the history records it: a staff user id, or `cli`. */
  async settle(orderId: string, note: string, actor: string): Promise<OrderDto> {
    await this.tx.run((m) => this.apply(orderId, note, actor, m));
    return this.query.getForStaff(orderId);
  }

  private async apply(
    orderId: string,
    note: string,
    actor: string,
    m: EntityManager,
  ): Promise<void> {
    assertOrderId(orderId);
    const order = await this.orders.lockById(orderId, m);
    if (!order) throw new OrderNotFoundError(orderId);
    const settlement = decideOutsideSettlement(heldPaymentFigures(order), actor, note);
    await this.orders.update(
      order.id,
      {
        returnedOutside: settlement.returnedOutside.amount,
        ...(settlement.foreignReturnedOutside && order.foreignPayment
          ? {
              foreignPayment: {
                ...order.foreignPayment,
                returnedOutside: settlement.foreignReturnedOutside,
              },
            }
          : {}),
        reviewReason: settlement.reviewReason,
      },
      m,
    );
    await this.orders.recordTransition(order.id, settlement.entry, m);
    this.logger.log(`Order ${order.id} settled outside the shop by ${actor}`);
  }
}
