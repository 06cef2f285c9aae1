import { Command, CommandRunner, Option } from 'nest-commander';

import { PaymentSimulationService, type SimulationOutcome } from '../payment-simulation.service.js';

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
