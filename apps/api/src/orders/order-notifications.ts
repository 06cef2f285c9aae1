import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { JobQueue } from '../jobs/job-queue.js';

function formatAmount(amount: number, currency: string): string {
  return `${(amount / 100).toFixed(2)} ${currency}`;
}

/**
 * Order e-mails, enqueued in the transaction of the change they announce:
 * a rolled-back change sends nothing, a committed one is mailed by the
 * worker. The dedupe key keeps a redelivered event from mailing twice.
 */
@Injectable()
export class OrderNotifications {
  constructor(private readonly jobs: JobQueue) {}

  async orderPlaced(orderId: string, manager: EntityManager): Promise<void> {
    await this.send(orderId, 'placed', manager, (ref, total) => ({
      subject: `Your order ${ref} is waiting for payment`,
      text: `Thank you for your order ${ref} of ${total}. We hold your items while you pay.`,
    }));
  }

  async orderPaid(orderId: string, manager: EntityManager): Promise<void> {
    await this.send(orderId, 'paid', manager, (ref, total) => ({
      subject: `Order ${ref} confirmed`,
      text: `We received your payment of ${total} for order ${ref}. We will let you know when it ships.`,
    }));
  }

  private async send(
    orderId: string,
    kind: string,
    manager: EntityManager,
    compose: (ref: string, total: string) => { subject: string; text: string },
  ): Promise<void> {
    const [row] = (await manager.query(
      'SELECT u.email, o.total, o.currency FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = $1',
      [orderId],
    )) as { email: string; total: string; currency: string }[];
    if (!row) return;
    const message = compose(orderId.slice(0, 8), formatAmount(Number(row.total), row.currency));
    await this.jobs.enqueue(
      'mail.send',
      { to: row.email, ...message },
      { manager, dedupeKey: `order-${kind}:${orderId}` },
    );
  }
}
