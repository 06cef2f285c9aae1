import { Command, CommandRunner } from 'nest-commander';

import { formatJobsStatus } from './jobs-status.format.js';
import { JobsStatusService } from './jobs-status.service.js';

@Command({
  name: 'jobs:status',
  description: 'Print per-queue job counts: waiting, retrying, active, failed, dead-lettered',
})
export class JobsStatusCommand extends CommandRunner {
  constructor(private readonly jobs: JobsStatusService) {
    super();
  }

  async run(): Promise<void> {
    process.stdout.write(formatJobsStatus(await this.jobs.status()));
  }
}
