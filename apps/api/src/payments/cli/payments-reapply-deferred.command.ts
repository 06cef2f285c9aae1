import { Command, CommandRunner } from 'nest-commander';

import { DeferredEventRetry } from '../deferred-event-retry.js';

@Command({
  name: 'payments:reapply-deferred',
  description:
    'Re-apply refund and dispute events set aside until their payment, whose payment has been booked since (the worker does this every five minutes)',
})
export class PaymentsReapplyDeferredCommand extends CommandRunner {
  constructor(private readonly retry: DeferredEventRetry) {
    super();
  }

  async run(): Promise<void> {
    const s = await this.retry.run();
    process.stdout.write(
      `Deferred payment events re-applied: ${s.processed} processed, ${s.ignored} ignored, ` +
        `${s.deferred} still deferred, ${s.skipped} taken by another run.\n`,
    );
    if (s.more) {
      process.stdout.write(
        'More are left: the next run (the worker every five minutes, or this command again) goes on from here.\n',
      );
    }
    // Each failure is logged with its cause (see the processor): a script
    // running this learns that something needs a look.
    if (s.deferred > 0) process.exitCode = 1;
  }
}
