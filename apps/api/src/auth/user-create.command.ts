import { RegisterDto } from '@minishop/contracts';
import { isRole, type Role } from '@minishop/domain';
import { Command, CommandRunner, Option } from 'nest-commander';

import { validatedOptions } from '../infrastructure/cli/validated-options.js';
import {
  PASSWORD_OPTION,
  PASSWORD_STDIN_OPTION,
  passwordFrom,
  type PasswordOptions,
} from './password-input.js';
import { RegistrationService } from './registration.service.js';

interface UserCreateOptions extends PasswordOptions {
  email: string;
  role: Role;
  name?: string;
}

/** `user:create`: the registration use case, with the role HTTP never lets a caller choose. */
@Command({
  name: 'user:create',
  description: 'Create an account (e.g. the first admin)',
})
export class UserCreateCommand extends CommandRunner {
  constructor(private readonly registration: RegistrationService) {
    super();
  }

  async run(_args: string[], options: UserCreateOptions): Promise<void> {
    const password = await passwordFrom(options);
    // Through RegisterDto, so the limits and their order (as sent, then the
    // stored form) are those of POST /auth/register: an account made here
    // fits the reply schema every route answers with.
    const input = validatedOptions(RegisterDto, {
      email: options.email,
      password,
      name: options.name ?? options.email.split('@')[0] ?? options.email,
    });
    const { user } = await this.registration.register({ ...input, role: options.role });
    process.stdout.write(`Created ${user.role} ${user.email} (${user.id})\n`);
  }

  @Option({ flags: '--email <email>', description: 'E-mail address', required: true })
  parseEmail(value: string): string {
    // Checked with the rest of the input, by RegisterDto's rules (see run).
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

  @Option({
    flags: '--role <role>',
    description: 'admin or customer',
    defaultValue: 'customer',
  })
  parseRole(value: string): Role {
    if (!isRole(value)) throw new Error(`--role must be admin or customer, not "${value}"`);
    return value;
  }

  @Option({ flags: '--name <name>', description: 'Display name (default: part before @)' })
  parseName(value: string): string {
    return value;
  }
}
