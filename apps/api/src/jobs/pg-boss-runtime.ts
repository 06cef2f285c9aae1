import { setTimeout as sleep } from 'node:timers/promises';

import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Pool } from 'pg';
import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';

import {
  REPORT_EVERY_MS,
  waitingFor,
  withAdvisoryLock,
} from '../infrastructure/database/advisory-lock.js';
import { DatabaseServer } from '../infrastructure/database/database-server.js';
import { MigrationRunner } from '../infrastructure/database/migration-runner.js';
import { storablePrefix } from '../infrastructure/database/unstorable-text.js';
import { errorMessage } from '../infrastructure/logging/error-message.js';
import { BatchEnds, type OpenBatch } from './batch-ends.js';
import { type Attempt, type HeldRetry, JobAttempts } from './job-attempts.js';
import type { JobContext, JobName } from './job-payloads.js';
import { JobRegistry, type RegisteredJob } from './job-registry.js';
import { isDeadLetterQueue, JobsOptions } from './jobs.options.js';
import { jobsPool } from './jobs-pool.js';
import { pollingSpread } from './polling-spread.js';
import { type ClosableDb, preparingDb } from './preparing-db.js';
import { queueIsCurrent, queueSettingsOf } from './queue-settings.js';
import { QueueStatistics } from './queue-statistics.js';
import { StatementsInFlight } from './statements-in-flight.js';
import { ensureUnfinishedJobsIndex } from './unfinished-jobs-index.js';

/**
 * Owns the pg-boss instance of this process: installs its schema, creates a
 * queue and a dead-letter queue per registered handler, publishes schedules
 * and, when this process works jobs, runs the worker loops. Stopped before
 * the database pool closes, letting in-flight jobs finish.
 */
// Arbitrary constant: the advisory lock that serialises job-queue setup.
const JOBS_SETUP_LOCK = 7_305_002;
/** How long a finished job of a batch waits for others to be recorded done with it. */
const COMPLETION_WINDOW_MS = 10;
/** Of a failed attempt's error message, as much as its record keeps. */
const MAX_ERROR_MESSAGE_LENGTH = 2000;
/**
 * Between the starts of two worker loops. A loop fetches as it starts, on a
 * connection of its own while the others hold theirs: started together, the
 * twenty-odd loops opened as many connections at every start of a process
 * (a deployment's restart, each app of the test suite), only to close them
 * seconds later. A fetch takes a few milliseconds, so one after another they
 * share one or two; the last loop starts about half a second later.
 */
const LOOP_START_SPACING_MS = 25;
/**
 * How long a loop's start may also wait for the statements under way to
 * come down to one: on a slow or busy database a first fetch outlasts the
 * spacing, and loops started at a fixed pace overlapped again (fifteen
 * connections for twenty loops on a machine at half speed). Bounded, as
 * busy queues may keep statements under way: a start is delayed, never held.
 */
const LOOP_START_WAIT_MS = 250;
/**
 * At least this long, once pg-boss has stopped, for its statements still
 * under way (a fetch) to end before the pool closes, even when its grace
 * was used up waiting for slow jobs.
 */
const MIN_SETTLE_MS = 1_000;

@Injectable()
export class PgBossRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private instance: PgBoss | undefined;
  private started = false;
  /** The worker loops being started one by one (startLoops). */
  private loopsStarting: Promise<void> = Promise.resolve();
  private readonly workerIds = new Map<string, string[]>();
  /** pg-boss' connections (its own pool, so its loops never wait behind requests). */
  private db: ClosableDb | undefined;
  private pool: Pool | undefined;
  private attempts: JobAttempts | undefined;
  private statistics: QueueStatistics | undefined;
  private readonly batchEnds = new BatchEnds();
  private readonly inFlight = new StatementsInFlight();
  /** The index /metrics counts through, being built (ensureUnfinishedJobsIndex). */
  private indexBuild: Promise<void> = Promise.resolve();
  /**
   * Batches whose handlers are running here now: how many of their jobs
   * have not ended, and when pg-boss gives the batch up for its expiry (it
   * fails it for a retry, its handlers running on unowned). What is left of
   * the batches not given up is what pg-boss fails if the grace runs out.
   */
  private readonly runningBatches = new Set<{ left: number; expiresAt: number }>();
  private failedAtShutdown = 0;

  constructor(
    private readonly server: DatabaseServer,
    private readonly registry: JobRegistry,
    private readonly options: JobsOptions,
    private readonly migrations: MigrationRunner,
    private readonly dataSource: DataSource,
  ) {}

  /** The pg-boss instance; exists from application bootstrap on. */
  get boss(): PgBoss {
    if (!this.instance) throw new Error('The job runtime has not started yet');
    return this.instance;
  }

  /**
   * Built once every handler is registered, because the pool must hold a
   * connection for each worker loop's fetch and its un-awaited completion,
   * plus maintenance and the cron loop: pg's pool never settles a request
   * still queued when it is closed, and a loop stuck there would never stop.
   */
  private create(): PgBoss {
    const loops = this.options.work
      ? this.registry.all().reduce((n, job) => n + job.options.concurrency, 0)
      : 0;
    // (And one for the build of the unfinished jobs' index, at start.)
    const pool = jobsPool(this.server.url, this.options.poolSize ?? 2 * loops + 5);
    this.pool = pool;
    // Emitted for idle connections only (a database restart, or Ctrl-C
    // reaching the embedded PostgreSQL with the app): the pool drops them
    // and opens new ones when asked; nothing in flight is lost.
    pool.on('error', (error: Error) =>
      this.logger.warn(`pg-boss pool: an idle connection ended: ${error.message}`),
    );
    this.db = this.inFlight.watching(this.batchEnds.watching(preparingDb(pool)));
    const boss = new PgBoss({
      db: this.db,
      schema: this.options.schema,
      // Only processes that work jobs expire, archive and schedule; a CLI
      // command that merely enqueues stays out of the way.
      supervise: this.options.work,
      schedule: this.options.work,
      maintenanceIntervalSeconds: this.options.maintenanceIntervalSeconds,
      pollingIntervalSeconds: this.options.pollingIntervalSeconds,
    });
    boss.on('error', (error: Error) => this.logger.error(`pg-boss: ${error.message}`));
    this.attempts = new JobAttempts(pool, boss, this.options.schema);
    this.statistics = new QueueStatistics(pool, this.options.schema, this.logger);
    return boss;
  }

  get schema(): string {
    return this.options.schema;
  }

  get working(): boolean {
    return this.options.work;
  }

  /**
   * Jobs still running when the shutdown grace ran out, which pg-boss then
   * failed for a retry: non-zero means a forced stop.
   */
  get jobsFailedAtShutdown(): number {
    return this.failedAtShutdown;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.registry.freeze();
    this.instance = this.create();
    // Several processes starting at once (cluster workers, API + worker)
    // deadlock in pg-boss' createQueue; they take turns instead (polling for
    // the lock, as its holder may be migrating).
    await withAdvisoryLock(
      this.dataSource,
      JOBS_SETUP_LOCK,
      async () => {
        // Creates the schema on a fresh database.
        await this.boss.start();
        this.started = true;
        const stored = new Map((await this.boss.getQueues()).map((q) => [q.name, q]));
        for (const job of this.registry.all()) await this.createQueue(job, stored);
        if (!this.options.work) return;
        // Handlers must never see an older schema than their code expects; the
        // HTTP entry has migrated already (a no-op here), the worker entry not.
        await this.migrations.run();
        await this.syncSchedules();
      },
      {
        // Turns here are short unless the holder migrates: say so only then.
        firstReportAfterMs: REPORT_EVERY_MS,
        onWait: (holder, waitedMs) =>
          this.logger.log(waitingFor('setting up the job queues', holder, waitedMs)),
      },
    );
    if (!this.options.work) return;
    // In the background: a first build waits for the job table's writers,
    // and meanwhile counts read the table as before.
    this.indexBuild = ensureUnfinishedJobsIndex(this.pool!, this.options.schema).then(
      (whole) => {
        if (!whole) {
          this.logger.log(
            'The index of unfinished jobs is being built elsewhere, or was not finished: counts read the job table until it is',
          );
        }
      },
      (error: unknown) =>
        this.logger.warn(`Could not build the index of unfinished jobs: ${errorMessage(error)}`),
    );
    const loops = this.registry
      .all()
      .flatMap((job) => Array.from({ length: job.options.concurrency }, () => job));
    // A job enqueued before its queue's loop has started is fetched by the
    // loop's first fetch, within a second.
    this.loopsStarting = this.startLoops(loops);
  }

  /** Resolves once this process' build of the unfinished jobs' index has ended, however it ended. */
  indexBuilt(): Promise<void> {
    return this.indexBuild;
  }

  /** Resolves once every worker loop of this process has started, or a stop has begun. */
  loopsStarted(): Promise<void> {
    return this.loopsStarting;
  }

  /** Starts the worker loops one after another (see LOOP_START_WAIT_MS), until a stop begins. */
  private async startLoops(loops: readonly RegisteredJob[]): Promise<void> {
    for (const [i, job] of loops.entries()) {
      if (i > 0) {
        await sleep(LOOP_START_SPACING_MS);
        await this.inFlight.atMost(1, Date.now() + LOOP_START_WAIT_MS);
      }
      if (!this.started) return;
      try {
        await this.startWorker(
          job,
          pollingSpread(this.options.pollingIntervalSeconds, i, loops.length),
        );
      } catch (error) {
        this.logger.error(`Could not start working queue ${job.name}: ${errorMessage(error)}`);
      }
    }
    this.logger.log(`Working ${this.registry.all().length} job queue(s)`);
  }

  private async syncSchedules(): Promise<void> {
    // A schedule removed from the code must stop producing jobs.
    const declared = new Set(
      this.registry
        .all()
        .filter((j) => j.options.schedule)
        .map((j) => j.name),
    );
    for (const schedule of await this.boss.getSchedules()) {
      if (!declared.has(schedule.name as JobName)) await this.boss.unschedule(schedule.name);
    }
    for (const job of this.registry.all()) {
      if (job.options.schedule) {
        await this.boss.schedule(
          job.name,
          job.options.schedule.cron,
          {},
          {
            tz: job.options.schedule.tz ?? 'UTC',
          },
        );
      }
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.started && this.instance) {
      const stopBegan = Date.now();
      this.started = false;
      // No loop starts from now on; one starting now is stopped with the rest.
      await this.loopsStarting;
      // Stops fetching at once, waits for in-flight jobs up to the grace
      // period, then fails what is still running so it is retried elsewhere.
      await this.instance.stop({ graceful: true, timeout: this.options.shutdownGraceMs });
      // pg-boss has failed the jobs of a batch still being worked, without a
      // word (their handlers run on, their results no longer recorded); the
      // batch's jobs that had finished were completed already (startWorker).
      this.failedAtShutdown = this.jobsOfLiveBatches();
      // A fetch still under way hands its batch over after this (given back
      // untouched, see startWorker); the pool must outlast that.
      await this.inFlight.settled(
        Math.max(stopBegan + this.options.shutdownGraceMs, Date.now() + MIN_SETTLE_MS),
      );
      if (this.failedAtShutdown > 0) {
        this.logger.warn(
          `grace period over: ${this.failedAtShutdown} job(s) of unfinished batches failed for a retry`,
        );
      }
    }
    // pg-boss closes only a pool it made itself; this one is ours.
    await this.db?.close();
  }

  /**
   * Wakes this process' idle workers of a queue, so a job enqueued here runs
   * now instead of at the next poll. Other processes still poll.
   */
  wake(name: string): void {
    for (const id of this.workerIds.get(name) ?? []) this.boss.notifyWorker(id);
  }

  private async createQueue(
    job: RegisteredJob,
    stored: ReadonlyMap<string, PgBoss.QueueResult>,
  ): Promise<void> {
    const settings = queueSettingsOf(job);
    // Most starts find every queue as declared: nothing to write.
    if (queueIsCurrent(stored, settings)) return;
    const dlq = settings.deadLetter;
    await this.boss.createQueue(dlq, { name: dlq });
    await this.boss.createQueue(job.name, settings);
    // createQueue keeps an existing queue as it was; apply today's settings.
    await this.boss.updateQueue(job.name, settings);
  }

  private async startWorker(job: RegisteredJob, pollingIntervalSeconds: number): Promise<void> {
    let workerId = '';
    workerId = await this.boss.work<object>(
      job.name,
      { batchSize: job.options.batchSize, includeMetadata: true, pollingIntervalSeconds },
      async (jobs) => {
        // Fetched by a fetch under way when this worker began to stop: the
        // jobs are put back as they were, for the next worker, rather than
        // started while the process is going away.
        if (!this.started) return this.inFlight.track(this.giveBack(job.name, jobs));
        if (isDeadLetterQueue(job.name)) await this.alignWithQueue(job.name, jobs);
        // Each job succeeds or fails on its own. A success is recorded as
        // soon as it ends, not with its batch: pg-boss fails every job of a
        // batch still active when the batch outlives its expiry or the
        // shutdown grace, and a job whose effect (a mail) already happened
        // would run again. Failures are recorded once the whole batch is
        // done, their retries held back until pg-boss has recorded the
        // batch's end (JobAttempts.fail). Either is recorded only while the
        // job is still in the attempt fetched here: after an expiry, the
        // retry may be running elsewhere. Failures that cannot be recorded
        // make this throw, so pg-boss ends the batch by failing its jobs
        // rather than completing them (recordFailures).
        const running = {
          left: jobs.length,
          expiresAt: Date.now() + 1000 * Math.max(...jobs.map((j) => Number(j.expireInSeconds))),
        };
        this.runningBatches.add(running);
        const ended = () => {
          if (--running.left === 0) this.runningBatches.delete(running);
        };
        const batch = this.batchEnds.begin(jobs.map((j) => j.id));
        const failures: (Attempt & { message: string })[] = [];
        const completions = jobs.length > 1 ? this.completionsOf(job.name) : undefined;
        // Finished jobs whose completion could not be recorded yet.
        const uncompleted: Attempt[] = [];
        await Promise.all(
          jobs.map(async (j) => {
            const context: JobContext = {
              id: j.id,
              name: j.name as JobName,
              retryCount: j.retryCount,
            };
            try {
              await job.handler(j.data as never, context);
              ended();
              // A batch of one is completed by pg-boss as it ends.
              const attempt = { id: j.id, retryCount: j.retryCount };
              if (completions && !(await completions(attempt))) uncompleted.push(attempt);
            } catch (error) {
              ended();
              const message = errorMessage(error);
              this.logger.warn(
                `Job ${job.name} ${j.id} failed (attempt ${j.retryCount + 1}): ${message}`,
              );
              // Kept in pg-boss' jsonb output: a message jsonb refuses
              // failed the recording too, and left the job active until it expired.
              failures.push({
                id: j.id,
                retryCount: j.retryCount,
                message: storablePrefix(message, MAX_ERROR_MESSAGE_LENGTH),
              });
            }
          }),
        );
        if (failures.length > 0) {
          await this.recordFailures(job.name, failures, batch, uncompleted);
        }
        // A full batch means more are waiting: fetch again without the idle wait.
        if (jobs.length === job.options.batchSize) {
          if (jobs.length > 1) this.statistics?.backlogSeen(job.name);
          this.boss.notifyWorker(workerId);
        }
      },
    );
    this.workerIds.set(job.name, [...(this.workerIds.get(job.name) ?? []), workerId]);
  }

  /**
   * Dead letters get their queue's settings before they run (see
   * JobAttempts.alignWithQueue); should that fail, they run as written.
   */
  private async alignWithQueue(queue: string, jobs: readonly Attempt[]): Promise<void> {
    try {
      await this.attempts!.alignWithQueue(queue, jobs);
    } catch (error) {
      this.logger.warn(
        `Could not give dead letters of ${queue} their queue's settings: ${errorMessage(error)}`,
      );
    }
  }

  /** Jobs still running here in batches pg-boss has not given up for their expiry. */
  private jobsOfLiveBatches(): number {
    const now = Date.now();
    let jobs = 0;
    for (const batch of this.runningBatches) if (batch.expiresAt > now) jobs += batch.left;
    return jobs;
  }

  /** Throws, for pg-boss to fail the jobs for a retry, when they could not be put back. */
  private async giveBack(queue: string, jobs: readonly Attempt[]): Promise<void> {
    try {
      await this.attempts!.giveBack(queue, jobs);
      this.logger.log(`Put back ${jobs.length} job(s) of ${queue} fetched as this worker stopped`);
    } catch (error) {
      this.logger.warn(
        `Could not put back ${jobs.length} job(s) of ${queue} fetched as this worker stopped; failing them for a retry: ${errorMessage(error)}`,
      );
      throw error;
    }
  }

  /** Throws, once it has logged why, when the failures could not be recorded. */
  private async recordFailures(
    queue: string,
    failures: (Attempt & { message: string })[],
    batch: OpenBatch,
    uncompleted: readonly Attempt[],
  ): Promise<void> {
    const attempts = this.attempts!;
    let held: HeldRetry[];
    try {
      held = await attempts.fail(queue, failures);
    } catch (e) {
      const ids = failures.map((f) => f.id).join(', ');
      this.logger.error(`Could not record the failure of jobs ${ids}: ${String(e)}`);
      // pg-boss ends a batch whose handler returns by completing its jobs
      // still active, these failed ones included: they would be lost. When
      // it throws, pg-boss fails them instead, for a retry (or, database
      // gone, they stay active and expiry retries them). Its failure takes
      // the finished jobs not recorded completed along: one more try first,
      // or they run again.
      if (uncompleted.length > 0) await this.recordCompletions(queue, uncompleted);
      throw new Error(failures.map((f) => f.message).join('; '), { cause: e });
    }
    if (held.length === 0) return;
    batch.afterEnd(() => {
      // If this fails, the retries start once the jobs' expiry has passed.
      this.inFlight
        .track(attempts.release(queue, held))
        .catch((e: unknown) =>
          this.logger.error(
            `Could not release the retries of jobs ${held.map((h) => h.id).join(', ')}: ${String(e)}`,
          ),
        );
    });
  }

  /**
   * Records finished jobs of one batch as done, those that end within a few
   * milliseconds of each other in one statement (a batch of mails mostly
   * ends together): one round trip per job doubled the worker's cost per
   * order. Resolves once the job's completion is recorded (true), or failed
   * to be (false): then the batch's own completion tries again.
   */
  private completionsOf(queue: string): (attempt: Attempt) => Promise<boolean> {
    const attempts: Attempt[] = [];
    let flush: Promise<boolean> | undefined;
    return (attempt) => {
      attempts.push(attempt);
      flush ??= sleep(COMPLETION_WINDOW_MS).then(async () => {
        flush = undefined;
        return this.recordCompletions(queue, attempts.splice(0));
      });
      return flush;
    };
  }

  /** Whether the completion of `done` could be recorded (it is logged if not). */
  private async recordCompletions(queue: string, done: readonly Attempt[]): Promise<boolean> {
    try {
      await this.attempts!.complete(queue, done);
      return true;
    } catch (e) {
      const ids = done.map((a) => a.id).join(', ');
      this.logger.error(`Could not record the completion of jobs ${ids}: ${String(e)}`);
      return false;
    }
  }
}
