import { Command, CommandRunner, Option } from 'nest-commander';

import {
  PASSWORD_OPTION,
  PASSWORD_STDIN_OPTION,
  passwordFrom,
  type PasswordOptions,
} from './password-input.js';
import { PasswordSetService } from './password-set.service.js';

interface UserSetPasswordOptions extends PasswordOptions {
  email: string;
}

/** `user:set-password`: a new password for an account, every session of it ended. */
@Command({
  name: 'user:set-password',
  description: 'Set an account’s password (no current one needed) and sign it out everywhere',
})
export class UserSetPasswordCommand extends CommandRunner {
  constructor(private readonly passwords: PasswordSetService) {
    super();
  }

  async run(_args: string[], options: UserSetPasswordOptions): Promise<void> {
    const id = await this.passwords.set(options.email, await passwordFrom(options));
    if (id === null) throw new Error(`No account has the e-mail ${options.email}`);
    process.stdout.write(`Password set for ${options.email} (${id}); every session ended\n`);
  }

  @Option({
    flags: '--email <email>',
    description: 'E-mail address of the account',
    required: true,
  })
  parseEmail(value: string): string {
    return value;
  }

  @Option(PASSWORD_OPTION)
  parsePassword(value: string): string {
    return value;
  }

  @Option(PASSWORD_STDIN_OPTION)
  parsePasswordStdin(): boolean {
    return true;
  }
}
