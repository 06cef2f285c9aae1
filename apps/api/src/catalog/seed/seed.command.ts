import { SingleBar } from 'cli-progress';
import { Command, CommandRunner } from 'nest-commander';

import { withProgressBar } from '../../infrastructure/runtime/progress-bar.js';
import { CatalogSeedService, describePassword } from './catalog-seed.service.js';

@Command({
  name: 'seed',
  description: 'Load the demo catalog and demo accounts (safe to run again)',
})
export class SeedCommand extends CommandRunner {
  constructor(private readonly seeder: CatalogSeedService) {
    super();
  }

  async run(): Promise<void> {
    const bar = new SingleBar({
      format: 'Seeding products [{bar}] {value}/{total}',
      hideCursor: true,
      stream: process.stdout,
    });
    const report = await withProgressBar(bar, (progress) => this.seeder.seed(progress));
    const out = [
      `Categories: ${report.categories}`,
      `Products:   ${report.productsCreated} created, ${report.productsTotal - report.productsCreated} already there`,
      `Variants:   ${report.variantsCreated} created`,
      report.accounts.length > 0 ? 'Accounts:' : 'Accounts: none (never seeded in production)',
      ...report.accounts.map(
        (a) =>
          `  ${a.role.padEnd(8)} ${a.email} ${a.created ? `/ ${describePassword(a, report.credentialsFile)}` : '(already existed; password unchanged)'}`,
      ),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  }
}
