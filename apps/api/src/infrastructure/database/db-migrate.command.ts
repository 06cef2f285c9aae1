import { Command, CommandRunner } from 'nest-commander';

import { MigrationRunner } from './migration-runner.js';

@Command({ name: 'db:migrate', description: 'Apply pending database migrations' })
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
