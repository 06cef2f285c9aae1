// A worker process that dies mid-job: it takes one job of the given queue,
// applies the effect exactly as the real handler does (guarded by the same
// idempotency key, in one statement), reports the job id, then blocks until
// the test kills it with SIGKILL, so the job is never completed.
import PgBoss from 'pg-boss';

const [databaseUrl, queue] = process.argv.slice(2);
const boss = new PgBoss({
  connectionString: databaseUrl,
  supervise: false,
  schedule: false,
  max: 2,
});
boss.on('error', (error) => process.stderr.write(`blocking-worker: ${error.message}\n`));
await boss.start();
await boss.work(queue, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
  await boss.getDb().executeSql(
    `WITH first AS (
       INSERT INTO processed_jobs (key, job_id) VALUES ($1, $2)
       ON CONFLICT (key) DO NOTHING RETURNING key
     )
     INSERT INTO kill_effects (order_id) SELECT $3 FROM first`,
    [`${queue}:${job.data.orderId}`, job.id, job.data.orderId],
  );
  process.stdout.write(`took ${job.id}\n`);
  await new Promise(() => undefined);
});
process.stdout.write('ready\n');
