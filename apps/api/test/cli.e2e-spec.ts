import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { join } from 'node:path';

import { describe, expect, test } from '@jest/globals';
import { verify } from '@node-rs/argon2';

import { spawnApi } from './support/api-process.js';
import {
  anAccount,
  anEmail,
  cli,
  count,
  dataDir,
  env,
  spawned,
  sql,
  useCliDatabase,
} from './support/cli.js';
import { cliInProcess } from './support/cli-in-process.js';
import { eventually } from './support/processes.js';

const COMMANDS = [
  'db:migrate',
  'seed',
  'user:create',
  'user:set-password',
  'user:disable',
  'user:enable',
  'carts:expire',
  'payments:simulate',
  'jobs:status',
  'orders:expire',
  'orders:under-review',
  'orders:resolve-review',
  'orders:settle-outside',
  'payments:dispute',
  'payments:catch-up',
  'catalog:import',
];

useCliDatabase();

/** An account with one live refresh token (a session to end). */
async function aSignedInAccount(email: string, password: string): Promise<{ id: string }> {
  const user = await anAccount(email, password);
  await sql(
    `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at)
     VALUES (gen_random_uuid(), $1, $2, now() + interval '1 day')`,
    [user.id, randomBytes(32).toString('hex')],
  );
  return user;
}

/**
 * What a command does (its output, exit code and effect on the database) is
 * runCli's, what dist/cli.js runs: tested in a worker thread of this process,
 * a fresh app per run, where a whole process start per run would cost
 * seconds. What is the process's own is tested on child processes: a plain
 * success, --help, a password on standard input, a stop signal.
 * The first test needs the database still empty, and jobs:status the
 * accounts made before it: the order matters.
 */
describe('npm run cli', () => {
  describe('dist/cli.js in a child process', () => {
    // The first run in a worker thread; the second, whose whole output is
    // known, through dist/cli.js: a command that succeeds exits the process 0,
    // printing its result and nothing else.
    test('db:migrate on an empty database creates the schema; a second run, through dist/cli.js, has nothing to do', async () => {
      const help = await cliInProcess(['--help']);
      expect(help.code).toBe(0);
      expect((await sql<{ t: string | null }>(`SELECT to_regclass('orders') AS t`))[0]?.t).toBe(
        null,
      );
      const first = await cliInProcess(['db:migrate']);
      expect(first).toMatchObject({ code: 0, stderr: '' });
      expect(first.stdout).toMatch(/^Applied \d+ migration\(s\):\n {2}Initial\d+\n/);
      expect((await sql<{ t: string | null }>(`SELECT to_regclass('orders') AS t`))[0]?.t).toBe(
        'orders',
      );
      const applied = await count('SELECT count(*) AS n FROM migrations');
      expect(applied).toBeGreaterThan(5);

      const again = await cli(['db:migrate']);
      expect(again).toEqual({ code: 0, stdout: 'Database is up to date.\n', stderr: '' });
      expect(await count('SELECT count(*) AS n FROM migrations')).toBe(applied);
    });

    test('--help lists every command and exits 0', async () => {
      const run = await cli(['--help']);
      expect(run.code).toBe(0);
      for (const name of COMMANDS) expect(run.stdout).toContain(name);
    });

    test('--help, an unknown command and a usage error need no database: reported by commander, exit 0 or 1', async () => {
      // Nothing listens on port 1: a connection attempt would fail.
      const nowhere = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' };
      const help = await cli(['--help'], nowhere);
      expect(help).toMatchObject({ code: 0, stderr: '' });
      expect(help.stdout).toMatch(/^Usage: npm run cli -- \[options\] \[command\]\n/);
      expect(await cli(['bogus'], nowhere)).toEqual({
        code: 1,
        stdout: '',
        stderr: "error: unknown command 'bogus'\n",
      });
      expect(await cli(['db:migrate', 'extra'], nowhere)).toEqual({
        code: 1,
        stdout: '',
        stderr: "error: too many arguments for 'db:migrate'. Expected 0 arguments but got 1.\n",
      });
    });

    test('user:create --password-stdin takes the first line of standard input as the password, without its CRLF', async () => {
      const email = anEmail();
      const run = await cli(
        ['user:create', '--email', email, '--password-stdin'],
        {},
        'from standard input\r\nthe rest is not read\n',
      );
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(/^Created customer /);
      const [user] = await sql<{ password_hash: string }>(
        'SELECT password_hash FROM users WHERE email = $1',
        [email],
      );
      expect(await verify(user!.password_hash, 'from standard input')).toBe(true);
    });

    test('user:set-password --password-stdin sets the first line of standard input as the password', async () => {
      const email = anEmail();
      await anAccount(email, 'the first password');
      const run = await cli(
        ['user:set-password', '--email', email, '--password-stdin'],
        {},
        'the piped password\nignored\n',
      );
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const [user] = await sql<{ password_hash: string }>(
        'SELECT password_hash FROM users WHERE email = $1',
        [email],
      );
      expect(await verify(user!.password_hash, 'the piped password')).toBe(true);
      expect(await verify(user!.password_hash, 'the first password')).toBe(false);
    });

    test('a database that cannot be reached → one line on stderr, its password masked, exit 1, no retries', async () => {
      // Nothing listens on port 1. A retry would log "Retrying (1)..." on
      // stderr, which must hold the one line alone.
      const run = await cli(['carts:expire'], {
        DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/nowhere',
      });
      expect(run).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'cannot connect to the database at postgres://postgres:***@127.0.0.1:1/nowhere: connect ECONNREFUSED 127.0.0.1:1\n',
      });
    });

    test('a start that fails after a stop signal (the database unreachable) → the cause on stderr, exit 1', async () => {
      // A server of this test's own that accepts connections and never
      // answers: the client gives up after its connection timeout. (A port
      // merely found free could be taken meanwhile by another suite's server.)
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', listening));
      const { port } = silent.address() as AddressInfo;
      try {
        const proc = await spawnApi(
          'cli.js',
          env({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/nowhere` }),
          ['db:migrate'],
        );
        spawned.add(proc);
        expect(await eventually(() => sockets.size > 0, 1200)).toBe(true);
        // Held until the app is built, which then fails: the failure must still
        // end the process (no handler has the app to close it).
        proc.child.kill('SIGTERM');
        expect(await proc.closed).toBe(1);
        spawned.delete(proc);
        expect(proc.stderr()).toBe(
          `cannot connect to the database at postgres://postgres@127.0.0.1:${port}/nowhere: Connection terminated due to connection timeout\n`,
        );
      } finally {
        for (const socket of sockets) socket.destroy();
        silent.close();
      }
    }, 60_000);
  });

  describe('runCli in a worker thread', () => {
    test('user:create makes an account whose password signs in, with the role asked', async () => {
      const email = anEmail();
      const run = await cliInProcess([
        'user:create',
        '--email',
        email,
        '--password',
        'correct horse battery',
        '--role',
        'admin',
        '--name',
        'Grace Hopper',
      ]);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      const id = /^Created admin (\S+) \(([0-9a-f-]{36})\)\n$/.exec(run.stdout);
      expect(id?.[1]).toBe(email);
      const [user] = await sql<{ id: string; role: string; name: string; password_hash: string }>(
        'SELECT id, role, name, password_hash FROM users WHERE email = $1',
        [email],
      );
      expect(user).toMatchObject({ id: id?.[2], role: 'admin', name: 'Grace Hopper' });
      expect(await verify(user!.password_hash, 'correct horse battery')).toBe(true);
      expect(await verify(user!.password_hash, 'wrong password')).toBe(false);
    });

    test('user:create without --role makes a customer named after the e-mail', async () => {
      const email = anEmail();
      const run = await cliInProcess([
        'user:create',
        '--email',
        email,
        '--password',
        'long-enough-1',
      ]);
      expect(run.code).toBe(0);
      const [user] = await sql<{ role: string; name: string }>(
        'SELECT role, name FROM users WHERE email = $1',
        [email],
      );
      expect(user).toEqual({ role: 'customer', name: email.split('@')[0] });
    });

    test('user:set-password sets the password and ends every session; an unknown e-mail or a weak password → exit 1, nothing changed', async () => {
      const email = anEmail();
      const user = await aSignedInAccount(email, 'the first password');

      const weak = await cliInProcess([
        'user:set-password',
        '--email',
        email,
        '--password',
        'short',
      ]);
      expect(weak.code).toBe(1);
      expect(weak.stderr).toContain('password must be at least 8 characters');
      const unknown = await cliInProcess([
        'user:set-password',
        '--email',
        anEmail(),
        '--password',
        'long enough now',
      ]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('No account has the e-mail');
      const hashOf = async () =>
        (
          await sql<{ password_hash: string; credentials_version: number }>(
            'SELECT password_hash, credentials_version FROM users WHERE email = $1',
            [email],
          )
        )[0]!;
      expect(await verify((await hashOf()).password_hash, 'the first password')).toBe(true);

      const run = await cliInProcess([
        'user:set-password',
        '--email',
        email.toUpperCase(),
        '--password',
        'the second password',
      ]);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toBe(
        `Password set for ${email.toUpperCase()} (${user.id}); every session ended\n`,
      );
      const after = await hashOf();
      expect(await verify(after.password_hash, 'the second password')).toBe(true);
      expect(after.credentials_version).toBe(1);
      expect(
        await count(
          'SELECT count(*) AS n FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL',
          [user.id],
        ),
      ).toBe(0);
    });

    test('user:disable disables an account and ends its sessions; user:enable enables it; an unknown e-mail → exit 1', async () => {
      const email = anEmail();
      const user = await aSignedInAccount(email, 'a fine password');
      const state = async () =>
        (
          await sql<{ disabled: boolean; credentials_version: number }>(
            'SELECT disabled, credentials_version FROM users WHERE id = $1',
            [user.id],
          )
        )[0]!;

      const unknown = await cliInProcess(['user:disable', '--email', anEmail()]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('No account has the e-mail');

      const disable = await cliInProcess(['user:disable', '--email', email.toUpperCase()]);
      expect(disable).toEqual({
        code: 0,
        stdout: `${email} (${user.id}) is disabled; every session ended\n`,
        stderr: '',
      });
      expect(await state()).toEqual({ disabled: true, credentials_version: 1 });
      expect(
        await count(
          'SELECT count(*) AS n FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL',
          [user.id],
        ),
      ).toBe(0);

      const enable = await cliInProcess(['user:enable', '--email', email]);
      expect(enable).toEqual({ code: 0, stdout: `${email} (${user.id}) is enabled\n`, stderr: '' });
      expect(await state()).toEqual({ disabled: false, credentials_version: 1 });
    });

    test('seed loads the demo catalog and accounts; a second run adds nothing', async () => {
      const first = await cliInProcess(['seed']);
      expect(first.code).toBe(0);
      const created = Number(/Products: +(\d+) created, 0 already there/.exec(first.stdout)?.[1]);
      expect(created).toBeGreaterThan(0);
      const password = /admin +admin@minishop\.test \/ (\S+) \(generated; also in (\S+),/.exec(
        first.stdout,
      );
      expect(password).not.toBeNull();
      expect(readFileSync(password![2]!, 'utf8')).toContain(
        `admin admin@minishop.test ${password![1]}\n`,
      );
      expect(await count('SELECT count(*) AS n FROM products')).toBe(created);
      const [admin] = await sql<{ role: string }>(
        `SELECT role FROM users WHERE email = 'admin@minishop.test'`,
      );
      expect(admin?.role).toBe('admin');

      const second = await cliInProcess(['seed']);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain(`Products:   0 created, ${created} already there`);
      expect(second.stdout).toContain('(already existed; password unchanged)');
      expect(await count('SELECT count(*) AS n FROM products')).toBe(created);
    });

    test('catalog:import <file> imports the good lines and names the refused ones', async () => {
      const tag = randomBytes(4).toString('hex').toUpperCase();
      const slug = `cli-mug-${tag.toLowerCase()}`;
      const file = join(dataDir, `import-${tag}.csv`);
      writeFileSync(
        file,
        [
          'product_slug,product_name,description,category_slug,sku,variant_name,price,currency,stock',
          `${slug},CLI Mug,A mug,,CLI-MUG-${tag}-S,Small,1299,EUR,7`,
          `${slug},CLI Mug,A mug,,CLI-MUG-${tag}-L,Large,1599,,3`,
          `${slug},CLI Mug,A mug,,CLI-MUG-${tag}-X,Free,0,EUR,1`,
        ].join('\n'),
      );
      const run = await cliInProcess(['catalog:import', file]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/Import \S+: completed/);
      expect(run.stdout).toContain('Rows: 3 read, 2 imported, 1 refused');
      expect(run.stdout).toMatch(/ {2}line 4: .*price/);
      const variants = await sql<{ sku: string; price: number; on_hand: number }>(
        `SELECT v.sku, v.price::int AS price, v.on_hand FROM variants v
           JOIN products p ON p.id = v.product_id WHERE p.slug = $1 ORDER BY v.sku`,
        [slug],
      );
      expect(variants).toEqual([
        { sku: `CLI-MUG-${tag}-L`, price: 1599, on_hand: 3 },
        { sku: `CLI-MUG-${tag}-S`, price: 1299, on_hand: 7 },
      ]);
    });

    test('catalog:import of a file with the wrong header → exit 1 naming the header, nothing recorded', async () => {
      const file = join(dataDir, 'wrong-header.csv');
      writeFileSync(file, 'slug,name,price\ncli-wrong,Wrong,100\n');
      const before = await count('SELECT count(*) AS n FROM imports');
      const run = await cliInProcess(['catalog:import', file]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/The first line must be the header product_slug,product_name,/);
      expect(run.stdout).toBe('');
      expect(await count('SELECT count(*) AS n FROM imports')).toBe(before);
      expect(await count(`SELECT count(*) AS n FROM products WHERE slug = 'cli-wrong'`)).toBe(0);
    });

    test('catalog:import that fails mid-way → exit 1, and the import is failed, not left running', async () => {
      const tag = randomBytes(4).toString('hex').toUpperCase();
      const sku = `CLI-BOOM-${tag}`;
      // A write the database refuses with an error no line check foresees,
      // as an outage or a bug would: the batch, and the command, fail.
      const fn = `cli_boom_${tag.toLowerCase()}`;
      await sql(
        `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'refused for the test'; END $$`,
      );
      await sql(
        `CREATE TRIGGER ${fn} BEFORE INSERT ON variants FOR EACH ROW
         WHEN (NEW.sku = '${sku}') EXECUTE FUNCTION ${fn}()`,
      );
      try {
        const file = join(dataDir, `import-boom-${tag}.csv`);
        writeFileSync(
          file,
          [
            'product_slug,product_name,description,category_slug,sku,variant_name,price,currency,stock',
            `cli-boom-${tag.toLowerCase()},Boom,,,${sku},One,100,EUR,1`,
          ].join('\n'),
        );
        const run = await cliInProcess(['catalog:import', file]);
        expect(run.code).toBe(1);
        expect(run.stderr).toContain('refused for the test');
        const [stored] = await sql<{ status: string; failure_reason: string | null }>(
          'SELECT status, failure_reason FROM imports WHERE position($1 IN source) > 0',
          [sku],
        );
        expect(stored).toEqual({
          status: 'failed',
          failure_reason: expect.stringMatching(/stopped before the end of the file/),
        });
      } finally {
        await sql(`DROP TRIGGER ${fn} ON variants`);
        await sql(`DROP FUNCTION ${fn}()`);
      }
    });

    test('carts:expire expires guest carts untouched for 30 days, and only those', async () => {
      const [old] = await sql<{ id: string }>(
        `INSERT INTO carts (token_hash, updated_at) VALUES ($1, now() - interval '31 days') RETURNING id`,
        [randomBytes(32).toString('hex')],
      );
      const [recent] = await sql<{ id: string }>(
        `INSERT INTO carts (token_hash, updated_at) VALUES ($1, now() - interval '29 days') RETURNING id`,
        [randomBytes(32).toString('hex')],
      );
      const run = await cliInProcess(['carts:expire']);
      expect(run).toEqual({
        code: 0,
        stdout: 'Expired 1 abandoned guest cart(s); deleted 0 closed over 30 days ago.\n',
        stderr: '',
      });
      const statuses = await sql<{ id: string; status: string }>(
        'SELECT id, status FROM carts WHERE id = ANY($1::uuid[])',
        [[old!.id, recent!.id]],
      );
      expect(Object.fromEntries(statuses.map((c) => [c.id, c.status]))).toEqual({
        [old!.id]: 'expired',
        [recent!.id]: 'active',
      });
    });

    test('jobs:status prints one line per queue with the counts in the database', async () => {
      // Every account user:create made above enqueued its welcome mail; no worker ran.
      const waiting = await count(
        `SELECT count(*) AS n FROM pgboss.job WHERE name = 'mail.send' AND state = 'created'`,
      );
      expect(waiting).toBeGreaterThan(0);
      const run = await cliInProcess(['jobs:status']);
      expect(run.code).toBe(0);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines[0]?.split(/\s+/)).toEqual([
        'queue',
        'created',
        'retry',
        'active',
        'completed',
        'failed',
        'dead-letter',
      ]);
      const mail = lines.find((l) => l.startsWith('mail.send '))?.split(/\s+/);
      expect(mail?.[1]).toBe(String(waiting));
      expect(lines.at(-1)).toMatch(/^total\s/);
    });

    test("a warning goes to stderr, leaving stdout to the command's result", async () => {
      // Nothing listens on port 1: the catalog cache warns that Redis is unavailable.
      const run = await cliInProcess(['jobs:status'], { REDIS_URL: 'redis://127.0.0.1:1' });
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/WARN/);
      expect(run.stderr).toMatch(/Redis unavailable for the catalog cache/);
      expect(run.stdout).not.toMatch(/WARN|Redis/);
      expect(run.stdout.split('\n')[0]).toMatch(/^queue\s+created/);
    });
  });
});
