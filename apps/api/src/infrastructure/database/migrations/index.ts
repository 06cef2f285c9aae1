import { Initial1732500000000 } from './1732500000000-initial.js';
import { ProcessedJobs1764000000000 } from './1764000000000-processed-jobs.js';

/**
 * Every migration, in order. Listed explicitly rather than globbed so the
 * compiled app, the CLI and the tests (running TypeScript) load the same set.
 */
export const migrations = [Initial1732500000000, ProcessedJobs1764000000000];
