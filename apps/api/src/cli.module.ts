import { type DynamicModule, Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { Command } from 'commander';
import { InjectCommander } from 'nest-commander';

import { AppModule } from './app.module.js';
import { UserDisableCommand, UserEnableCommand } from './auth/admin/user-status.commands.js';
import { UserCreateCommand } from './auth/user-create.command.js';
import { UserSetPasswordCommand } from './auth/user-set-password.command.js';
import { CartsExpireCommand } from './cart/carts-expire.command.js';
import { SeedCommand } from './catalog/seed/seed.command.js';
import { CatalogImportCommand } from './imports/catalog-import.command.js';
import type { AppConfig } from './infrastructure/config/app-config.js';
import { DbMigrateCommand } from './infrastructure/database/db-migrate.command.js';
import { JobsStatusCommand } from './jobs/jobs-status.command.js';
import { OrdersExpireCommand } from './orders/orders-expire.command.js';
import {
  OrdersResolveReviewCommand,
  OrdersSettleOutsideCommand,
  OrdersUnderReviewCommand,
} from './orders/orders-review.commands.js';
import {
  PaymentsDisputeCommand,
  PaymentsSimulateCommand,
} from './payments/cli/payments-simulate.command.js';

/** Commands of `npm run cli`; each calls the same services the HTTP API does. */
export const commands = [
  DbMigrateCommand,
  SeedCommand,
  UserCreateCommand,
  UserSetPasswordCommand,
  UserDisableCommand,
  UserEnableCommand,
  CartsExpireCommand,
  PaymentsSimulateCommand,
  PaymentsDisputeCommand,
  JobsStatusCommand,
  OrdersExpireCommand,
  OrdersUnderReviewCommand,
  OrdersResolveReviewCommand,
  OrdersSettleOutsideCommand,
  CatalogImportCommand,
];

@Module({})
export class CliModule implements OnApplicationBootstrap {
  constructor(@InjectCommander() private readonly commander: Command) {}

  static register(config: AppConfig): DynamicModule {
    return { module: CliModule, imports: [AppModule.register(config)], providers: [...commands] };
  }

  /**
   * Commander ends the process itself on a usage error or --help, before the
   * app is closed, which would leave an embedded PostgreSQL running. Told to
   * throw instead (each command too: they do not inherit the setting), its
   * outcome ends the command as any error does, and cli.ts closes the app.
   */
  onApplicationBootstrap(): void {
    for (const command of [this.commander, ...this.commander.commands]) command.exitOverride();
  }
}
