import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { JobQueue } from '../jobs/job-queue.js';

function formatAmount(amount: number, currency: string): string {
  return `${(amount / 100).toFixed(2)} ${currency}`;
}

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
  async orderPlaced(order: OrderMailFacts, manager: EntityManager): Promise<void> {
    await this.send(order, 'placed', manager, (ref, total) => ({
      subject: `Your order ${ref} is waiting for payment`,
      text: `Thank you for your order ${ref} of ${total}. We hold your items while you pay.`,
    }));
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
    await this.send(facts, 'paid', manager, (ref, total) => ({
      subject: `Order ${ref} confirmed`,
      text: `We received your payment of ${total} for order ${ref}. We will let you know when it ships.`,
    }));
  }

  private async send(
    order: OrderMailFacts,
    kind: string,
    manager: EntityManager,
    compose: (ref: string, total: string) => { subject: string; text: string },
  ): Promise<void> {
    const message = compose(order.orderId.slice(0, 8), formatAmount(order.total, order.currency));
    await this.jobs.enqueue(
      'mail.send',
      { to: order.buyerEmail, ...message },
      { manager, dedupeKey: `order-${kind}:${order.orderId}` },
    );
  }
}
