import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import { beforeAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';

import { CATCH_UP_LOCK } from '../src/payments/persistence/typeorm-catch-up-sweep.repository.js';
import { anAccount, anEmail, cli, count, dataDir, db, sql, useCliDatabase } from './support/cli.js';
import { cliInProcess } from './support/cli-in-process.js';

useCliDatabase();

// Help and usage errors never touch the database: the schema the tests
// below read and write comes from db:migrate.
beforeAll(async () => {
  expect((await cliInProcess(['db:migrate'])).code).toBe(0);
}, 60_000);

/**
 * How each command takes its arguments is runCli's (what dist/cli.js runs),
 * tested in a worker thread of this process, a fresh app per run; a whole
 * process start per case would cost seconds. That dist/cli.js passes on to its process what
 * runCli decides (exit code, stderr) and its standard input is tested on
 * child processes, once for a usage error commander reports and once for a
 * command's own refusal.
 */
describe('npm run cli', () => {
  describe('dist/cli.js in a child process', () => {
    test('an unknown command is named, once, on stderr, and the process exits 1', async () => {
      const run = await cli(['users:create']);
      expect(run).toMatchObject({ code: 1, stdout: '' });
      expect(run.stderr).toBe(
        "error: unknown command 'users:create'\n(Did you mean user:create?)\n",
      );
    });

    // Which combinations are refused, and with what message, is passwordFrom's
    // unit test; here, that the command stops on a refusal, with a password on
    // standard input that must not be taken, changes nothing, and the process
    // exits 1 with the message on stderr.
    test('user:set-password with both --password and --password-stdin → exit 1, password kept', async () => {
      const email = anEmail();
      await anAccount(email, 'long-enough-1');
      const hash = () => sql('SELECT password_hash FROM users WHERE email = $1', [email]);
      const before = await hash();
      const run = await cli(
        ['user:set-password', '--email', email, '--password', 'long-enough-3', '--password-stdin'],
        {},
        'long-enough-2\n',
      );
      expect(run).toMatchObject({ code: 1, stdout: '' });
      expect(run.stderr).toBe('Give exactly one of --password <password> or --password-stdin\n');
      expect(await hash()).toEqual(before);
    });
  });

  describe('bad arguments (runCli in a worker thread): exit 1, a clear message on stderr, nothing created', () => {
    const cases: [string, (email: string) => string[], RegExp][] = [
      [
        'an e-mail that is not one',
        () => ['--email', 'not-an-email', '--password', 'long-enough-1'],
        /^--email must be an e-mail address$/m,
      ],
      [
        'an e-mail of 254 characters and a space each side (256 as sent)',
        () => [
          '--email',
          ` ${'a'.repeat(60)}@${'b'.repeat(62)}.${'c'.repeat(62)}.${'d'.repeat(62)}.test `,
          '--password',
          'long-enough-1',
        ],
        /--email must be shorter than or equal to 254 characters/,
      ],
      [
        'a name of 100 characters and a trailing space (101 as sent)',
        (email) => [
          '--email',
          email,
          '--password',
          'long-enough-1',
          '--name',
          `${'n'.repeat(100)} `,
        ],
        /--name must be shorter than or equal to 100 characters/,
      ],
      [
        'an unknown role',
        (email) => ['--email', email, '--password', 'long-enough-1', '--role', 'boss'],
        /--role must be admin or customer, not "boss"/,
      ],
      [
        'a short password',
        (email) => ['--email', email, '--password', 'short'],
        /password must be at least 8 characters/,
      ],
      [
        'an unknown option',
        (email) => ['--email', email, '--password', 'long-enough-1', '--bogus'],
        /unknown option '--bogus'/,
      ],
    ];
    test.each(cases)('user:create with %s', async (_what, args, message) => {
      const email = anEmail();
      const run = await cliInProcess(['user:create', ...args(email)]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
      expect(await count('SELECT count(*) AS n FROM users WHERE email = $1', [email])).toBe(0);
    });

    test('user:create with an e-mail already taken', async () => {
      const email = anEmail();
      await anAccount(email, 'long-enough-1');
      const again = await cliInProcess([
        'user:create',
        '--email',
        email,
        '--password',
        'other-password',
      ]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already exists/);
      expect(await count('SELECT count(*) AS n FROM users WHERE email = $1', [email])).toBe(1);
    });

    test('user:create with neither --password nor --password-stdin → exit 1, no account', async () => {
      const email = anEmail();
      const run = await cliInProcess(['user:create', '--email', email]);
      expect(run).toMatchObject({ code: 1, stdout: '' });
      expect(run.stderr).toBe('Give exactly one of --password <password> or --password-stdin\n');
      expect(await count('SELECT count(*) AS n FROM users WHERE email = $1', [email])).toBe(0);
    });

    test('payments:simulate with an outcome it does not know, or without a target', async () => {
      const bad = await cliInProcess([
        'payments:simulate',
        '--order',
        randomUUID(),
        '--outcome',
        'maybe',
      ]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/--outcome must be succeeded or failed/);
      const none = await cliInProcess(['payments:simulate', '--outcome', 'succeeded']);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/Give exactly one of --payment-intent <pi_id> or --order/);
    });

    test('payments:catch-up with --hours out of range, then a run that says what it did', async () => {
      for (const hours of ['0', '721', '1.5']) {
        const bad = await cliInProcess(['payments:catch-up', '--hours', hours]);
        expect(bad.code).toBe(1);
        expect(bad.stderr).toMatch(/--hours must be a whole number from 1 to 720/);
      }
      const run = await cliInProcess(['payments:catch-up', '--hours', '1']);
      expect(run.stderr).toBe('');
      expect(run).toMatchObject({ code: 0 });
      expect(run.stdout).toMatch(
        /^\d+ undelivered event\(s\) listed: \d+ taken in, \d+ already known, 0 failed\.\n$/,
      );
    });

    test('payments:reapply-deferred says what it did, and takes no arguments', async () => {
      const run = await cliInProcess(['payments:reapply-deferred']);
      expect(run.stderr).toBe('');
      expect(run).toMatchObject({ code: 0 });
      expect(run.stdout).toMatch(
        /^Deferred payment events re-applied: \d+ processed, \d+ ignored, 0 still deferred, \d+ taken by another run\.\n$/,
      );
      const extra = await cliInProcess(['payments:reapply-deferred', 'now']);
      expect(extra.code).toBe(1);
      expect(extra.stderr).toMatch(/too many arguments/);
    });

    test('payments:catch-up while another run is at work → exit 1, saying so, and nothing done', async () => {
      // The worker's run, or this command elsewhere, holds the catch-up's lock.
      const other = new pg.Client({ connectionString: db.url });
      await other.connect();
      try {
        await other.query('SELECT pg_advisory_lock($1)', [CATCH_UP_LOCK]);
        const run = await cliInProcess(['payments:catch-up', '--hours', '1']);
        expect(run).toMatchObject({ code: 1, stdout: '' });
        expect(run.stderr).toMatch(/^Another catch-up run is at work .*: nothing done/);
      } finally {
        await other.end();
      }
      expect((await cliInProcess(['payments:catch-up', '--hours', '1'])).code).toBe(0);
    });

    test('orders:resolve-review with a decision it does not know, or without one', async () => {
      const bad = await cliInProcess([
        'orders:resolve-review',
        '--order',
        randomUUID(),
        '--decision',
        'keep',
      ]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/--decision must be accept or reject/);
      const none = await cliInProcess(['orders:resolve-review', '--order', randomUUID()]);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/--decision/);
    });

    test('orders:settle-outside without a note', async () => {
      const none = await cliInProcess(['orders:settle-outside', '--order', randomUUID()]);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/--note/);
    });

    test('payments:dispute --close without an outcome, or without a target', async () => {
      const close = await cliInProcess(['payments:dispute', '--close', 'dp_x']);
      expect(close.code).toBe(1);
      expect(close.stderr).toMatch(/--outcome won\|lost/);
      const none = await cliInProcess(['payments:dispute']);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/Give exactly one of --payment-intent <pi_id> or --order/);
    });

    test('catalog:import of a file that does not exist', async () => {
      const before = await count('SELECT count(*) AS n FROM imports');
      const run = await cliInProcess(['catalog:import', join(dataDir, 'missing.csv')]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/ENOENT.*missing\.csv/);
      expect(await count('SELECT count(*) AS n FROM imports')).toBe(before);
    });
  });
});
