import { Command, CommandRunner } from 'nest-commander';

import { CartCleanupService } from './cart-cleanup.service.js';

@Command({
  name: 'carts:expire',
  description:
    'Expire guest carts untouched for 30 days (their tokens stop working); delete those closed 30 days ago',
})
export class CartsExpireCommand extends CommandRunner {
  constructor(private readonly cleanup: CartCleanupService) {
    super();
  }

  async run(): Promise<void> {
    const expired = await this.cleanup.expireAbandoned();
    const deleted = await this.cleanup.deleteClosed();
    process.stdout.write(
      `Expired ${expired} abandoned guest cart(s); deleted ${deleted} closed over 30 days ago.\n`,
    );
  }
}
