import { Command, CommandRunner, Option } from 'nest-commander';

import {
  type DisputeOutcome,
  PaymentSimulationService,
  type SimulationOutcome,
} from '../payment-simulation.service.js';

interface Options {
  paymentIntent?: string;
  order?: string;
  outcome?: SimulationOutcome;
}

@Command({
  name: 'payments:simulate',
  description:
    'Pay or decline a PaymentIntent on the local Stripe emulator; the signed webhook goes to the running API',
})
export class PaymentsSimulateCommand extends CommandRunner {
  constructor(private readonly simulation: PaymentSimulationService) {
    super();
  }

  async run(_args: string[], options: Options): Promise<void> {
    const { paymentIntent, order, outcome } = options;
    if (!outcome) throw new Error('--outcome succeeded|failed is required');
    if ((paymentIntent === undefined) === (order === undefined)) {
      throw new Error('Give exactly one of --payment-intent <pi_id> or --order <orderId>');
    }
    const result = await this.simulation.simulate(
      paymentIntent !== undefined ? { paymentIntentId: paymentIntent } : { orderId: order ?? '' },
      outcome,
    );
    process.stdout.write(
      `${result.paymentIntentId} is now ${result.status}; ${result.eventType} (${result.eventId}) is on its way to the API.\n`,
    );
  }

  @Option({ flags: '--payment-intent <id>', description: 'PaymentIntent id (pi_…)' })
  parsePaymentIntent(value: string): string {
    return value;
  }

  @Option({ flags: '--order <id>', description: 'Order id whose PaymentIntent to pay' })
  parseOrder(value: string): string {
    return value;
  }

  @Option({ flags: '--outcome <outcome>', description: 'succeeded or failed', required: true })
  parseOutcome(value: string): SimulationOutcome {
    if (value !== 'succeeded' && value !== 'failed') {
      throw new Error('--outcome must be succeeded or failed');
    }
    return value;
  }
}

interface DisputeOptions {
  paymentIntent?: string;
  order?: string;
  reason?: string;
  amount?: number;
  close?: string;
  outcome?: DisputeOutcome;
}

@Command({
  name: 'payments:dispute',
  description:
    'Open a dispute (chargeback) of a payment on the local Stripe emulator, or close one as won or lost; the signed webhook goes to the running API',
})
export class PaymentsDisputeCommand extends CommandRunner {
  constructor(private readonly simulation: PaymentSimulationService) {
    super();
  }

  async run(_args: string[], options: DisputeOptions): Promise<void> {
    const { paymentIntent, order, reason, amount, close, outcome } = options;
    let result;
    if (close !== undefined) {
      if (!outcome) throw new Error('--close <dp_id> needs --outcome won|lost');
      result = await this.simulation.closeDispute(close, outcome);
    } else {
      if ((paymentIntent === undefined) === (order === undefined)) {
        throw new Error(
          'Give exactly one of --payment-intent <pi_id> or --order <orderId>, or --close <dp_id>',
        );
      }
      result = await this.simulation.openDispute(
        paymentIntent !== undefined ? { paymentIntentId: paymentIntent } : { orderId: order ?? '' },
        {
          ...(reason !== undefined ? { reason } : {}),
          ...(amount !== undefined ? { amount } : {}),
        },
      );
    }
    process.stdout.write(
      `Dispute ${result.disputeId} is ${result.status}; ${result.eventType} (${result.eventId}) is on its way to the API.\n`,
    );
  }

  @Option({ flags: '--payment-intent <id>', description: 'PaymentIntent id (pi_…) to dispute' })
  parsePaymentIntent(value: string): string {
    return value;
  }

  @Option({ flags: '--order <id>', description: 'Order id whose payment to dispute' })
  parseOrder(value: string): string {
    return value;
  }

  @Option({ flags: '--reason <reason>', description: "Stripe's dispute reason (fraudulent)" })
  parseReason(value: string): string {
    return value;
  }

  @Option({ flags: '--amount <minor units>', description: 'Disputed amount (all of it)' })
  parseAmount(value: string): number {
    if (!/^\d+$/.test(value)) throw new Error('--amount must be a whole number of minor units');
    return Number(value);
  }

  @Option({ flags: '--close <id>', description: 'Close this dispute (dp_…) instead' })
  parseClose(value: string): string {
    return value;
  }

  @Option({ flags: '--outcome <outcome>', description: 'With --close: won or lost' })
  parseOutcome(value: string): DisputeOutcome {
    if (value !== 'won' && value !== 'lost') throw new Error('--outcome must be won or lost');
    return value;
  }
}
