import { Injectable } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';

import { AccountStatusService } from './account-status.service.js';

interface StatusOptions {
  email: string;
}

/**
 * Both commands: the account named by `--email` gets `disabled`. Injectable
 * so its constructor's parameter types are recorded for the subclasses.
 */
@Injectable()
abstract class UserStatusCommand extends CommandRunner {
  protected abstract readonly disabled: boolean;

  constructor(private readonly status: AccountStatusService) {
    super();
  }

  async run(_args: string[], options: StatusOptions): Promise<void> {
    const user = await this.status.changeByEmail(options.email, this.disabled);
    process.stdout.write(
      `${user.email} (${user.id}) is ${user.disabled ? 'disabled; every session ended' : 'enabled'}\n`,
    );
  }

  @Option({
    flags: '--email <email>',
    description: 'E-mail address of the account',
    required: true,
  })
  parseEmail(value: string): string {
    return value;
  }
}

@Command({
  name: 'user:disable',
  description: 'Disable an account: it can no longer sign in, and every session of it ends',
})
export class UserDisableCommand extends UserStatusCommand {
  protected readonly disabled = true;
}

@Command({ name: 'user:enable', description: 'Enable a disabled account again' })
export class UserEnableCommand extends UserStatusCommand {
  protected readonly disabled = false;
}
