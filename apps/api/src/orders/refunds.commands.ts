import { Command, CommandRunner, Option } from 'nest-commander';

import { UnsettledRefundsService } from './unsettled-refunds.service.js';

/** Stripe's refund ids: `re_` (or `pyr_` for some payment methods) and alphanumerics. */
const REFUND_ID = /^(re|pyr)_[A-Za-z0-9]+$/;

/** `25h 03m`: an age at a glance, to tell the key window's 23 hours apart. */
function age(from: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - from.getTime()) / 60_000));
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** A booking's key as given: blank would match nothing and say so less clearly. */
function bookingKey(key: string | undefined): string {
  if (key === undefined || key.trim() === '') throw new Error('a booking key is required');
  return key;
}

@Command({
  name: 'refunds:unsettled',
  description:
    'List refund bookings the payment provider is not known to have made (key, order, amount, booked at, age)',
})
export class RefundsUnsettledCommand extends CommandRunner {
  constructor(private readonly refunds: UnsettledRefundsService) {
    super();
  }

  async run(): Promise<void> {
    const now = new Date();
    const { bookings: listed, more } = await this.refunds.list(now);
    for (const r of listed) {
      process.stdout.write(
        `${r.key}  ${r.orderId}  ${r.amount.format()}  ${r.bookedAt.toISOString()}  ${age(r.bookedAt, now)}  ` +
          `${r.pastKeyWindow ? 'past the key window: settle or take back by hand' : 'the job asks the provider again'}\n`,
      );
    }
    process.stdout.write(
      more
        ? `${listed.length} unsettled refund booking(s) listed, the oldest; more exist: close these, then list again.\n`
        : `${listed.length} unsettled refund booking(s).\n`,
    );
  }
}

interface SettleOptions {
  refundId?: string;
}

@Command({
  name: 'refunds:settle',
  arguments: '<key>',
  description:
    'Record that the payment provider made a booking’s refund, once it checked the refund is of that order’s payment and amount',
})
export class RefundsSettleCommand extends CommandRunner {
  constructor(private readonly refunds: UnsettledRefundsService) {
    super();
  }

  async run([key]: string[], options: SettleOptions): Promise<void> {
    if (!options.refundId) throw new Error('--refund-id <re_…> is required');
    const settled = await this.refunds.settle(bookingKey(key), options.refundId);
    process.stdout.write(
      `Refund booking ${settled.key} (order ${settled.orderId}, ${settled.amount.format()}) is settled with ${options.refundId}.\n`,
    );
  }

  @Option({
    flags: '--refund-id <id>',
    description: 'The Stripe refund (re_…) of the order’s payment that the booking asked for',
    required: true,
  })
  parseRefundId(value: string): string {
    if (!REFUND_ID.test(value)) {
      throw new Error(
        `--refund-id must be a Stripe refund id (re_…), not ${JSON.stringify(value)}`,
      );
    }
    return value;
  }
}

@Command({
  name: 'refunds:take-back',
  arguments: '<key>',
  description:
    'Take back a refund booking the payment provider did not make (checked in the Stripe Dashboard), so it may be refunded again',
})
export class RefundsTakeBackCommand extends CommandRunner {
  constructor(private readonly refunds: UnsettledRefundsService) {
    super();
  }

  async run([key]: string[]): Promise<void> {
    const taken = await this.refunds.takeBack(bookingKey(key));
    process.stdout.write(
      `Refund booking ${taken.key} (order ${taken.orderId}, ${taken.amount.format()}) is taken back; that amount may be refunded again.\n`,
    );
  }
}
