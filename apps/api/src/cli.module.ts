import { type DynamicModule, Module } from '@nestjs/common';

import { AppModule } from './app.module.js';
import { UserCreateCommand } from './auth/user-create.command.js';
import { CartsExpireCommand } from './cart/carts-expire.command.js';
import { SeedCommand } from './catalog/seed/seed.command.js';
import type { AppConfig } from './infrastructure/config/app-config.js';
import { DbMigrateCommand } from './infrastructure/database/db-migrate.command.js';
import { JobsStatusCommand } from './jobs/jobs-status.command.js';
import { OrdersExpireCommand } from './orders/orders-expire.command.js';
import { PaymentsSimulateCommand } from './payments/cli/payments-simulate.command.js';

/** Commands of `npm run cli`; each calls the same services the HTTP API does. */
export const commands = [
  DbMigrateCommand,
  SeedCommand,
  UserCreateCommand,
  CartsExpireCommand,
  PaymentsSimulateCommand,
  JobsStatusCommand,
  OrdersExpireCommand,
];

@Module({})
export class CliModule {
  static register(config: AppConfig): DynamicModule {
    return { module: CliModule, imports: [AppModule.register(config)], providers: [...commands] };
  }
}
