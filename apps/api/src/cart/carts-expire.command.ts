import { Command, CommandRunner } from 'nest-commander';

import { CartCleanupService } from './cart-cleanup.service.js';

@Command({
  name: 'carts:expire',
  description: 'Expire guest carts untouched for 30 days (their tokens stop working)',
})
export class CartsExpireCommand extends CommandRunner {
  constructor(private readonly cleanup: CartCleanupService) {
    super();
  }

  async run(): Promise<void> {
    const expired = await this.cleanup.expireAbandoned();
    process.stdout.write(`Expired ${expired} abandoned guest cart(s).\n`);
  }
}
