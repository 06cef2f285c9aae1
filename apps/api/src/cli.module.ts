import {
  type DynamicModule,
  Injectable,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
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
  RefundsSettleCommand,
  RefundsTakeBackCommand,
  RefundsUnsettledCommand,
} from './orders/refunds.commands.js';
import { PaymentsCatchUpCommand } from './payments/cli/payments-catch-up.command.js';
import { PaymentsReapplyDeferredCommand } from './payments/cli/payments-reapply-deferred.command.js';
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
  PaymentsCatchUpCommand,
  PaymentsReapplyDeferredCommand,
  JobsStatusCommand,
  OrdersExpireCommand,
  OrdersUnderReviewCommand,
  OrdersResolveReviewCommand,
  OrdersSettleOutsideCommand,
  RefundsUnsettledCommand,
  RefundsSettleCommand,
  RefundsTakeBackCommand,
  CatalogImportCommand,
];

/**
 * Commander ends the process itself on a usage error or --help, before the
 * app is closed, which would leave an embedded PostgreSQL running. Told to
 * throw instead (each command too: they do not inherit the setting), its
 * outcome ends the command as any error does, and cli.ts closes the app.
 * An argument no command takes is a usage error rather than ignored.
 */
function configureCommander(commander: Command): void {
  commander.name('npm run cli --');
  for (const command of [commander, ...commander.commands]) {
    command.exitOverride();
    command.allowExcessArguments(false);
  }
}

@Module({})
export class CliModule implements OnApplicationBootstrap {
  constructor(@InjectCommander() private readonly commander: Command) {}

  static register(config: AppConfig): DynamicModule {
    return { module: CliModule, imports: [AppModule.register(config)], providers: [...commands] };
  }

  onApplicationBootstrap(): void {
    configureCommander(this.commander);
  }
}

/** The command the arguments name, once CliArgumentsModule has parsed them. */
@Injectable()
export class MatchedCommand {
  name: string | undefined;
}

/**
 * The commands without the app: commander parses the arguments, prints help
 * or a usage error, and names the command they ask for, without a database
 * to connect to or migrate. Only the option parsers run, which use nothing
 * injected, so each command is an instance that was never constructed.
 */
@Module({})
export class CliArgumentsModule implements OnApplicationBootstrap {
  constructor(
    @InjectCommander() private readonly commander: Command,
    private readonly matched: MatchedCommand,
  ) {}

  static register(): DynamicModule {
    return {
      module: CliArgumentsModule,
      providers: [
        MatchedCommand,
        ...commands.map((command) => ({
          provide: command,
          useValue: Object.create(command.prototype) as object,
        })),
      ],
    };
  }

  onApplicationBootstrap(): void {
    configureCommander(this.commander);
    for (const command of this.commander.commands) {
      command.action(() => {
        this.matched.name = command.name();
      });
    }
  }
}
