import { Command, CommandRunner, Option } from 'nest-commander';

import { DEFAULT_LOOK_BACK_HOURS, PaymentEventCatchUp } from '../payment-event-catch-up.js';

/** Stripe lists events of the last thirty days. */
const MAX_LOOK_BACK_HOURS = 30 * 24;

interface Options {
  hours?: number;
}

@Command({
  name: 'payments:catch-up',
  description:
    "Take in the payment provider's events whose webhook did not arrive (the worker does this every five minutes)",
})
export class PaymentsCatchUpCommand extends CommandRunner {
  constructor(private readonly catchUp: PaymentEventCatchUp) {
    super();
  }

  async run(_args: string[], options: Options): Promise<void> {
    const s = await this.catchUp.catchUp({
      lookBackHours: options.hours ?? DEFAULT_LOOK_BACK_HOURS,
    });
    if (s === null) {
      throw new Error(
        'Another catch-up run is at work (the worker, or this command elsewhere): nothing done; run it again once that one is done',
      );
    }
    process.stdout.write(
      `${s.listed} undelivered event(s) listed: ${s.takenIn} taken in, ${s.known} already known, ${s.failed} failed.\n`,
    );
    if (s.more) {
      process.stdout.write(
        'More are left: the next run (the worker every five minutes, or this command again) goes on from here.\n',
      );
    }
    if (s.failed > 0) process.exitCode = 1;
  }

  @Option({
    flags: '--hours <n>',
    description: `How far back to ask, in hours (default ${DEFAULT_LOOK_BACK_HOURS}, at most ${MAX_LOOK_BACK_HOURS})`,
  })
  parseHours(value: string): number {
    const hours = Number(value);
    if (!/^\d+$/.test(value) || hours < 1 || hours > MAX_LOOK_BACK_HOURS) {
      throw new Error(`--hours must be a whole number from 1 to ${MAX_LOOK_BACK_HOURS}`);
    }
    return hours;
  }
}
