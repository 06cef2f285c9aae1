import { Command, CommandRunner } from 'nest-commander';

import { MigrationRunner } from './migration-runner.js';

export const DB_MIGRATE = 'db:migrate';

/** The one command runCli does not migrate before: it migrates, and says what it applied. */
@Command({ name: DB_MIGRATE, description: 'Apply pending database migrations' })
export class DbMigrateCommand extends CommandRunner {
  constructor(private readonly migrations: MigrationRunner) {
    super();
  }

  async run(): Promise<void> {
    const applied = await this.migrations.run();
    process.stdout.write(
      applied.length === 0
        ? 'Database is up to date.\n'
        : `Applied ${applied.length} migration(s):\n${applied.map((m) => `  ${m}\n`).join('')}`,
    );
  }
}
