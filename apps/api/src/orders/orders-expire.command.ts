import { Command, CommandRunner } from 'nest-commander';

import { OrderExpiryService } from './order-expiry.service.js';

@Command({
  name: 'orders:expire',
  description: 'Cancel unpaid orders past their reservation and release their stock now',
})
export class OrdersExpireCommand extends CommandRunner {
  constructor(private readonly expiry: OrderExpiryService) {
    super();
  }

  async run(): Promise<void> {
    const count = await this.expiry.expireDue();
    process.stdout.write(`Expired ${count} unpaid order(s).\n`);
  }
}
