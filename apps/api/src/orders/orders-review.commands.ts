import { OutsideSettlementRequestDto } from '@minishop/contracts';
import { PAYMENT_REVIEW_DECISIONS, type PaymentReviewDecision } from '@minishop/domain';
import { Command, CommandRunner, Option } from 'nest-commander';

import { validatedOptions } from '../infrastructure/cli/validated-options.js';
import { OrderQueryService } from './order-query.service.js';
import { OutsideSettlementService } from './outside-settlement.service.js';
import { PaymentReviewService } from './payment-review.service.js';

interface ResolveOptions {
  order?: string;
  decision?: PaymentReviewDecision;
}

const isDecision = (value: string): value is PaymentReviewDecision =>
  (PAYMENT_REVIEW_DECISIONS as readonly string[]).includes(value);

@Command({
  name: 'orders:resolve-review',
  description:
    'Accept a payment held for review as the order’s (→ paid), or reject it (refunded, → cancelled)',
})
export class OrdersResolveReviewCommand extends CommandRunner {
  constructor(private readonly reviews: PaymentReviewService) {
    super();
  }

  async run(_args: string[], options: ResolveOptions): Promise<void> {
    const { order, decision } = options;
    if (!order || !decision)
      throw new Error('--order <id> and --decision accept|reject are required');
    // Recorded in the order's history as decided from the command line.
    const result = await this.reviews.resolve(order, decision, 'cli');
    const last = result.history.at(-1);
    process.stdout.write(
      `Order ${result.id} is ${result.status}${last ? ` (${last.cause})` : ''}.\n`,
    );
  }

  @Option({ flags: '--order <id>', description: 'Order id', required: true })
  parseOrder(value: string): string {
    return value;
  }

  @Option({ flags: '--decision <decision>', description: 'accept or reject', required: true })
  parseDecision(value: string): PaymentReviewDecision {
    if (!isDecision(value)) throw new Error('--decision must be accept or reject');
    return value;
  }
}

@Command({
  name: 'orders:under-review',
  description:
    'List the orders waiting for a person: a payment review to decide, or money to refund',
})
export class OrdersUnderReviewCommand extends CommandRunner {
  constructor(private readonly query: OrderQueryService) {
    super();
  }

  async run(): Promise<void> {
    let cursor: string | undefined;
    let count = 0;
    do {
      const page = await this.query.listAll({
        limit: 100,
        underReview: true,
        ...(cursor ? { cursor } : {}),
      });
      for (const o of page.items) {
        process.stdout.write(
          `${o.id}  ${o.createdAt}  ${o.total.amount} ${o.total.currency}  ${o.reviewReason ?? ''}\n`,
        );
      }
      count += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    process.stdout.write(`${count} order(s) waiting for a payment review.\n`);
  }
}

interface SettleOptions {
  order?: string;
  note?: string;
}

@Command({
  name: 'orders:settle-outside',
  description:
    'Close a cancelled order holding money that was settled outside the shop (it leaves orders:under-review)',
})
export class OrdersSettleOutsideCommand extends CommandRunner {
  constructor(private readonly settlements: OutsideSettlementService) {
    super();
  }

  async run(_args: string[], options: SettleOptions): Promise<void> {
    const { order, note } = options;
    if (!order || note === undefined)
      throw new Error('--order <id> and --note <text> are required');
    // As POST /admin/orders/:id/settle-outside takes it (at most 500
    // characters, trimmed); recorded as settled from the command line.
    const input = validatedOptions(OutsideSettlementRequestDto, { note });
    const result = await this.settlements.settle(order, input.note, 'cli');
    const last = result.history.at(-1);
    const returned = [result.amountReturnedOutside, result.foreignPayment?.amountReturnedOutside]
      .filter((m) => m !== undefined)
      .map((m) => `${m.amount} ${m.currency}`)
      .join(' and ');
    process.stdout.write(
      `Order ${result.id} is ${result.status}, ${returned} returned outside the shop${last ? ` (${last.cause})` : ''}.\n`,
    );
  }

  @Option({ flags: '--order <id>', description: 'Order id', required: true })
  parseOrder(value: string): string {
    return value;
  }

  @Option({
    flags: '--note <text>',
    description: 'How it was settled (required; kept in the order history)',
    required: true,
  })
  parseNote(value: string): string {
    return value;
  }
}
