import { Money } from '@minishop/domain';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { JobQueue, type JobStatement } from '../jobs/job-queue.js';

type Compose = (ref: string, total: string) => { subject: string; text: string };

const placedMail: Compose = (ref, total) => ({
  subject: `Your order ${ref} is waiting for payment`,
  text: `Thank you for your order ${ref} of ${total}. We hold your items while you pay.`,
});

/** What an order mail says and whom it goes to. */
export interface OrderMailFacts {
  orderId: string;
  buyerEmail: string;
  /** Minor units. */
  total: number;
  currency: string;
}

/**
 * Order e-mails, enqueued in the transaction of the change they announce:
 * a rolled-back change sends nothing, a committed one is mailed by the
 * worker. The dedupe key keeps a redelivered event from mailing twice.
 */
@Injectable()
export class OrderNotifications {
  constructor(private readonly jobs: JobQueue) {}

  /** Checkout knows every fact already (the address came with the intent's write). */
  orderPlaced(order: OrderMailFacts, manager: EntityManager): Promise<void> {
    return this.send(order, 'placed', placedMail, manager);
  }

  /** The same mail, for checkout's last statement to enqueue beside its own writes. */
  orderPlacedStatement(order: OrderMailFacts): Promise<JobStatement> {
    const { name, payload, options } = this.mail(order, 'placed', placedMail);
    return this.jobs.statement(name, payload, options);
  }

  async orderPaid(orderId: string, manager: EntityManager): Promise<void> {
    const [row] = (await manager.query(
      'SELECT u.email, o.total, o.currency FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = $1',
      [orderId],
    )) as { email: string; total: string; currency: string }[];
    if (!row) return;
    const facts = {
      orderId,
      buyerEmail: row.email,
      total: Number(row.total),
      currency: row.currency,
    };
    await this.send(
      facts,
      'paid',
      (ref, total) => ({
        subject: `Order ${ref} confirmed`,
        text: `We received your payment of ${total} for order ${ref}. We will let you know when it ships.`,
      }),
      manager,
    );
  }

  /** Enqueues the mail in `manager`'s transaction. */
  private async send(
    order: OrderMailFacts,
    kind: string,
    compose: Compose,
    manager: EntityManager,
  ): Promise<void> {
    const { name, payload, options } = this.mail(order, kind, compose);
    await this.jobs.enqueue(name, payload, { ...options, manager });
  }

  private mail(order: OrderMailFacts, kind: string, compose: Compose) {
    const total = Money.of(order.total, order.currency.trim()).format();
    const message = compose(order.orderId.slice(0, 8), total);
    return {
      name: 'mail.send' as const,
      payload: { to: order.buyerEmail, ...message },
      options: { dedupeKey: `order-${kind}:${order.orderId}` },
    };
  }
}
