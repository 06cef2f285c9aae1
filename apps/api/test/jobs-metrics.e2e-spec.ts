import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';

import { pgPoolOf } from '../src/infrastructure/database/pg-pool-of.js';
import { JobQueue } from '../src/jobs/job-queue.js';
import { JobsOptions } from '../src/jobs/jobs.options.js';
import { jobCountsQuery } from '../src/jobs/jobs-status.service.js';
import {
  ensureUnfinishedJobsIndex,
  UNFINISHED_JOBS_INDEX,
} from '../src/jobs/unfinished-jobs-index.js';
import { fastJobsOptions, ProbeModule, waitFor } from './support/jobs-probe.js';
import { startTestApp, type TestApp } from './support/test-app.js';

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** Rows the plan's scans of job tables read, kept or filtered out. */
const jobRowsRead = (node: PlanNode): number =>
  (node['Relation Name']?.startsWith('j')
    ? (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1) +
      (node['Rows Removed by Filter'] ?? 0) +
      (node['Rows Removed by Index Recheck'] ?? 0)
    : 0) + (node.Plans ?? []).reduce((n, child) => n + jobRowsRead(child), 0);

const metric = (text: string, queue: string, state: string): number | undefined => {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`minishop_jobs{queue="${queue}",state="${state}"}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
};

describe('GET /metrics: job queues', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      imports: [ProbeModule],
      // A process that does not work jobs: what is enqueued stays queued.
      override: (b) => b.overrideProvider(JobsOptions).useValue(fastJobsOptions({ work: false })),
    });
  });
  afterAll(() => t.close());

  test('queue depth per queue and state, dead letters included', async () => {
    const queue = t.get(JobQueue);
    await queue.enqueue('mail.send', { to: 'a@example.test', subject: 's', text: 't' });
    await queue.enqueue('mail.send', { to: 'b@example.test', subject: 's', text: 't' });
    // A job failed for good and its dead-letter copy, as pg-boss leaves them.
    await t.app
      .get(JobQueue)
      .enqueue('test.fail', { n: 1 })
      .then((id) =>
        t.get(DataSource).query("UPDATE pgboss.job SET state = 'failed' WHERE id = $1", [id]),
      );
    await t
      .get(DataSource)
      .query("INSERT INTO pgboss.job (name, data) VALUES ('test.fail.dlq', '{\"n\":1}'::jsonb)");

    const text = await waitFor(async () => {
      const res = await t.http.get('/metrics');
      expect(res.status).toBe(200);
      return metric(res.text, 'mail.send', 'created') === 2 ? res.text : undefined;
    }, 'the scrape to show the queued mails');
    expect(metric(text, 'mail.send', 'failed')).toBe(0);
    expect(metric(text, 'test.fail', 'failed')).toBe(1);
    expect(metric(text, 'test.fail', 'dead_letter')).toBe(1);
    expect(metric(text, 'catalog.import', 'created')).toBe(0);
    expect(text).toMatch(/# TYPE minishop_jobs gauge/);
  });

  test('the scrape counts without reading the completed jobs', async () => {
    const db = t.get(DataSource);
    // Built by processes that work jobs; this one does not.
    expect(await ensureUnfinishedJobsIndex(pgPoolOf(db), 'pgboss')).toBe(true);
    // Whole: one index per queue's partition, attached to the table's.
    const [{ missing }] = (await db.query(
      `SELECT count(*)::int AS missing FROM pg_inherits h
        WHERE h.inhparent = 'pgboss.job'::regclass
          AND NOT EXISTS (
            SELECT 1 FROM pg_inherits a JOIN pg_index x ON x.indexrelid = a.inhrelid
             WHERE a.inhparent = 'pgboss.${UNFINISHED_JOBS_INDEX}'::regclass
               AND x.indrelid = h.inhrelid)`,
    )) as [{ missing: number }];
    expect(missing).toBe(0);
    // Hours of finished mail, as pg-boss keeps it until it archives it.
    await db.query(
      `INSERT INTO pgboss.job (name, data, state, completed_on)
       SELECT 'mail.send', '{}'::jsonb, 'completed', now() FROM generate_series(1, 20000)`,
    );
    await db.query('ANALYZE pgboss.job');
    const [explained] = (await db.query(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${jobCountsQuery('pgboss', { completed: false })}`,
    )) as [{ 'QUERY PLAN': [{ Plan: PlanNode }] }];
    const plan = explained['QUERY PLAN'][0].Plan;
    // A scan of the whole table reads the 20,000 (and its filter drops them).
    expect(jobRowsRead(plan)).toBeLessThan(1000);

    const res = await t.http.get('/metrics');
    expect(metric(res.text, 'mail.send', 'completed')).toBeUndefined();
  });
});
