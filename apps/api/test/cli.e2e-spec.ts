import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { verify } from '@node-rs/argon2';

import { EMULATOR_API_KEY } from '../src/payments/emulator/stripe-emulator.host.js';
import {
  type ApiProcess,
  freePort,
  reap,
  sleep,
  spawnApi,
  waitReady,
} from './support/api-process.js';
import { eventually } from './support/processes.js';
import { anAddress } from './support/shop.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/**
 * `npm run cli -- <command>` is `node dist/cli.js <command>`: these tests run
 * the built file in a child process, as a user does, and judge it by its
 * exit code, what it prints and what it leaves in the database.
 */

const COMMANDS = [
  'db:migrate',
  'seed',
  'user:create',
  'carts:expire',
  'payments:simulate',
  'jobs:status',
  'orders:expire',
  'orders:under-review',
  'orders:resolve-review',
  'orders:settle-outside',
  'payments:dispute',
  'catalog:import',
];

interface CliRun {
  code: number | string;
  stdout: string;
  stderr: string;
}

let db: TestDatabase;
let dataDir: string;
const spawned = new Set<ApiProcess>();

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'minishop-cli-'));
});
afterAll(async () => {
  for (const p of spawned) reap(p);
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    // The CLI's own default; spawnApi's is `info`, for servers.
    LOG_LEVEL: 'warn',
    JWT_SECRET: 'cli-test-secret-0123456789abcdef0123456789',
    STRIPE_WEBHOOK_SECRET: 'whsec_cli_test',
    ...extra,
  };
}

async function cli(args: string[], extra: Record<string, string> = {}): Promise<CliRun> {
  const proc = await spawnApi('cli.js', env(extra), args);
  spawned.add(proc);
  const code = await proc.closed;
  spawned.delete(proc);
  return { code, stdout: proc.stdout(), stderr: proc.stderr() };
}

const sql = <T>(text: string, params: unknown[] = []): Promise<T[]> => db.rows<T>(text, params);

const count = async (text: string, params: unknown[] = []) =>
  Number((await sql<{ n: string }>(text, params))[0]?.n);

const anEmail = () => `cli-${randomBytes(5).toString('hex')}@example.test`;

describe('npm run cli (dist/cli.js in a child process)', () => {
  test('db:migrate on an empty database creates the schema; a second run has nothing to do', async () => {
    expect((await sql<{ t: string | null }>(`SELECT to_regclass('orders') AS t`))[0]?.t).toBe(null);
    const first = await cli(['db:migrate']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
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

  test('user:create makes an account whose password signs in, with the role asked', async () => {
    const email = anEmail();
    const run = await cli([
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
    const run = await cli(['user:create', '--email', email, '--password', 'long-enough-1']);
    expect(run.code).toBe(0);
    const [user] = await sql<{ role: string; name: string }>(
      'SELECT role, name FROM users WHERE email = $1',
      [email],
    );
    expect(user).toEqual({ role: 'customer', name: email.split('@')[0] });
  });

  describe('bad arguments: exit 1, a clear message on stderr, nothing created', () => {
    const cases: [string, (email: string) => string[], RegExp][] = [
      [
        'an e-mail that is not one',
        () => ['--email', 'not-an-email', '--password', 'long-enough-1'],
        /--email must be an e-mail address, not "not-an-email"/,
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
        'no --password',
        (email) => ['--email', email],
        /required option '--password <password>' not specified/,
      ],
      [
        'an unknown option',
        (email) => ['--email', email, '--password', 'long-enough-1', '--bogus'],
        /unknown option '--bogus'/,
      ],
    ];
    test.each(cases)('user:create with %s', async (_what, args, message) => {
      const email = anEmail();
      const run = await cli(['user:create', ...args(email)]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
      expect(await count('SELECT count(*) AS n FROM users WHERE email = $1', [email])).toBe(0);
    });

    test('user:create with an e-mail already taken', async () => {
      const email = anEmail();
      expect(
        (await cli(['user:create', '--email', email, '--password', 'long-enough-1'])).code,
      ).toBe(0);
      const again = await cli(['user:create', '--email', email, '--password', 'other-password']);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already exists/);
      expect(await count('SELECT count(*) AS n FROM users WHERE email = $1', [email])).toBe(1);
    });

    test('an unknown command is named, once', async () => {
      const run = await cli(['users:create']);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        "error: unknown command 'users:create'\n(Did you mean user:create?)\n",
      );
    });

    test('payments:simulate with an outcome it does not know, or without a target', async () => {
      const bad = await cli(['payments:simulate', '--order', randomUUID(), '--outcome', 'maybe']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/--outcome must be succeeded or failed/);
      const none = await cli(['payments:simulate', '--outcome', 'succeeded']);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/Give exactly one of --payment-intent <pi_id> or --order/);
    });

    test('orders:resolve-review with a decision it does not know, or without one', async () => {
      const bad = await cli([
        'orders:resolve-review',
        '--order',
        randomUUID(),
        '--decision',
        'keep',
      ]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/--decision must be accept or reject/);
      const none = await cli(['orders:resolve-review', '--order', randomUUID()]);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/--decision/);
    });

    test('orders:settle-outside without a note', async () => {
      const none = await cli(['orders:settle-outside', '--order', randomUUID()]);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/--note/);
    });

    test('payments:dispute --close without an outcome, or without a target', async () => {
      const close = await cli(['payments:dispute', '--close', 'dp_x']);
      expect(close.code).toBe(1);
      expect(close.stderr).toMatch(/--outcome won\|lost/);
      const none = await cli(['payments:dispute']);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/Give exactly one of --payment-intent <pi_id> or --order/);
    });

    test('catalog:import of a file that does not exist', async () => {
      const before = await count('SELECT count(*) AS n FROM imports');
      const run = await cli(['catalog:import', join(dataDir, 'missing.csv')]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/ENOENT.*missing\.csv/);
      expect(await count('SELECT count(*) AS n FROM imports')).toBe(before);
    });
  });

  test('a start that fails after a stop signal (the database unreachable) → the cause on stderr, exit 1', async () => {
    // A server of this test's own that hangs up on every connection: the
    // first one is retried for a few seconds. (A port merely found free could
    // be taken meanwhile by another suite's server.)
    // It reads the client's first message before hanging up, so the client
    // sees the connection end rather than be reset.
    const hangUp = createServer((socket) => socket.once('data', () => socket.end()));
    await new Promise<void>((listening) => hangUp.listen(0, '127.0.0.1', listening));
    const { port } = hangUp.address() as AddressInfo;
    try {
      const proc = await spawnApi(
        'cli.js',
        env({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/nowhere` }),
        ['db:migrate'],
      );
      spawned.add(proc);
      expect(await eventually(() => proc.stderr().includes('Retrying (1)'), 1200)).toBe(true);
      // Held until the app is built, which then fails: the failure must still
      // end the process (no handler has the app to close it).
      proc.child.kill('SIGTERM');
      expect(await proc.closed).toBe(1);
      spawned.delete(proc);
      expect(proc.stderr()).toMatch(
        /minishop cli failed to start: .*(Connection terminated unexpectedly|ECONNRESET)/,
      );
    } finally {
      hangUp.close();
    }
  }, 60_000);

  test('seed loads the demo catalog and accounts; a second run adds nothing', async () => {
    const first = await cli(['seed']);
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

    const second = await cli(['seed']);
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
    const run = await cli(['catalog:import', file]);
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
    const run = await cli(['catalog:import', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/The first line must be the header product_slug,product_name,/);
    expect(run.stdout).toBe('');
    expect(await count('SELECT count(*) AS n FROM imports')).toBe(before);
    expect(await count(`SELECT count(*) AS n FROM products WHERE slug = 'cli-wrong'`)).toBe(0);
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
    const run = await cli(['carts:expire']);
    expect(run).toEqual({ code: 0, stdout: 'Expired 1 abandoned guest cart(s).\n', stderr: '' });
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
    // Every account made above enqueued its welcome mail; no worker ran.
    const waiting = await count(
      `SELECT count(*) AS n FROM pgboss.job WHERE name = 'mail.send' AND state = 'created'`,
    );
    expect(waiting).toBeGreaterThan(0);
    const run = await cli(['jobs:status']);
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

  describe('next to a running API', () => {
    let api: ApiProcess | undefined;
    let emulatorPort: string;
    const url = (path: string) => `http://127.0.0.1:${api!.port}/api/v1${path}`;

    beforeAll(async () => {
      // The CLI finds the API's Stripe emulator on this port and asks it to
      // pay; the emulator then sends the signed webhook to the API.
      emulatorPort = String(await freePort());
      api = await spawnApi(
        'main.js',
        env({ STRIPE_EMULATOR_PORT: emulatorPort, RUN_WORKER: 'off', LOG_LEVEL: 'warn' }),
      );
      await waitReady(api);
    });
    afterAll(async () => {
      if (!api) return;
      api.child.kill('SIGTERM');
      await api.exited;
    });

    async function anOrder(variantId: string, quantity: number): Promise<string> {
      const reg = await fetch(url('/auth/register'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: anEmail(), password: 'long-enough-1', name: 'Buyer' }),
      });
      expect(reg.status).toBe(201);
      const { accessToken } = (await reg.json()) as { accessToken: string };
      const auth = { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` };
      const add = await fetch(url('/cart/items'), {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ variantId, quantity }),
      });
      expect(add.status).toBe(201);
      const res = await fetch(url('/checkout'), {
        method: 'POST',
        headers: { ...auth, 'Idempotency-Key': randomUUID() },
        body: JSON.stringify({ shippingAddress: anAddress() }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { order: { id: string } }).order.id;
    }

    async function aVariant(stock: number): Promise<string> {
      const tag = randomBytes(5).toString('hex');
      const [product] = await sql<{ id: string }>(
        `INSERT INTO products (slug, name, status, min_price, max_price)
         VALUES ($1, $2, 'active', 2500, 2500) RETURNING id`,
        [`cli-p-${tag}`, `CLI product ${tag}`],
      );
      const [variant] = await sql<{ id: string }>(
        `INSERT INTO variants (product_id, sku, name, price, currency, on_hand)
         VALUES ($1, $2, 'Default', 2500, 'EUR', $3) RETURNING id`,
        [product!.id, `CLI-${tag}`.toUpperCase(), stock],
      );
      return variant!.id;
    }

    const statusOf = async (orderId: string) =>
      (await sql<{ status: string }>('SELECT status FROM orders WHERE id = $1', [orderId]))[0]
        ?.status;
    const stockOf = async (variantId: string) =>
      (
        await sql<{ on_hand: number; reserved: number }>(
          'SELECT on_hand, reserved FROM variants WHERE id = $1',
          [variantId],
        )
      )[0];

    test('payments:simulate --order pays it through the API’s emulator; the webhook marks it paid', async () => {
      const variant = await aVariant(5);
      const orderId = await anOrder(variant, 2);
      const run = await cli(['payments:simulate', '--order', orderId, '--outcome', 'succeeded'], {
        STRIPE_EMULATOR_PORT: emulatorPort,
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /^pi_\S+ is now succeeded; payment_intent\.succeeded \(evt_\S+\) is on its way to the API\.\n$/,
      );
      // The webhook is delivered asynchronously: wait for its effect.
      for (let i = 0; i < 200 && (await statusOf(orderId)) !== 'paid'; i++) await sleep(50);
      expect(await statusOf(orderId)).toBe('paid');
      expect(await stockOf(variant)).toEqual({ on_hand: 3, reserved: 0 });
    });

    test('payments:simulate for an order that does not exist → exit 1, saying so', async () => {
      const run = await cli(
        ['payments:simulate', '--order', randomUUID(), '--outcome', 'succeeded'],
        { STRIPE_EMULATOR_PORT: emulatorPort },
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/not found/i);
      expect(run.stdout).toBe('');
    });

    /** Stripe's API of the emulator the API hosts, as the SDK calls it. */
    const emulatorApi = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`http://127.0.0.1:${emulatorPort}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${EMULATOR_API_KEY}`,
          'content-type': 'application/json',
        },
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };

    test('orders:under-review lists an order whose payment did not match; orders:resolve-review rejects it: refunded at the API’s emulator, cancelled, stock released', async () => {
      const variant = await aVariant(5);
      const orderId = await anOrder(variant, 2);
      // The order's total moved after its intent was made: the customer pays
      // the intent's 5000, which no longer matches the order's 5100.
      await sql('UPDATE orders SET subtotal = subtotal + 100, total = total + 100 WHERE id = $1', [
        orderId,
      ]);
      const [order] = await sql<{ payment_intent_id: string }>(
        'SELECT payment_intent_id FROM orders WHERE id = $1',
        [orderId],
      );
      const intentId = order!.payment_intent_id;
      await emulatorApi(`/_emulator/payment_intents/${intentId}/simulate`, {
        method: 'POST',
        body: JSON.stringify({ outcome: 'succeeded' }),
      });
      const reason = async () =>
        (
          await sql<{ r: string | null }>('SELECT review_reason AS r FROM orders WHERE id = $1', [
            orderId,
          ])
        )[0]?.r;
      // The webhook is delivered asynchronously: wait for its effect.
      for (let i = 0; i < 200 && !(await reason()); i++) await sleep(50);
      const reviewReason = 'payment_mismatch: order 5100 EUR, intent 5000 EUR';
      expect(await reason()).toBe(reviewReason);

      const listed = await cli(['orders:under-review'], { STRIPE_EMULATOR_PORT: emulatorPort });
      expect(listed).toMatchObject({ code: 0, stderr: '' });
      expect(listed.stdout).toMatch(
        new RegExp(`^${orderId}  \\S+  5100 EUR  ${reviewReason}$`, 'm'),
      );
      expect(listed.stdout).toMatch(/^1 order\(s\) waiting for a payment review\.\n$/m);

      const args = ['orders:resolve-review', '--order', orderId, '--decision', 'reject'];
      const run = await cli(args, { STRIPE_EMULATOR_PORT: emulatorPort });
      expect(run).toEqual({
        code: 0,
        stdout: `Order ${orderId} is cancelled (payment_review_rejected_by:cli (${reviewReason})).\n`,
        stderr: '',
      });
      expect(await statusOf(orderId)).toBe('cancelled');
      expect(await stockOf(variant)).toEqual({ on_hand: 5, reserved: 0 });
      const intent = await emulatorApi(`/v1/payment_intents/${intentId}`);
      const charge = await emulatorApi(`/v1/charges/${String(intent.latest_charge)}`);
      expect(charge.amount_refunded).toBe(5000);

      // Again: the same answer, nothing refunded twice; accepting now is refused.
      const again = await cli(args, { STRIPE_EMULATOR_PORT: emulatorPort });
      expect(again).toEqual(run);
      const accept = await cli(
        ['orders:resolve-review', '--order', orderId, '--decision', 'accept'],
        { STRIPE_EMULATOR_PORT: emulatorPort },
      );
      expect(accept.code).toBe(1);
      expect(accept.stderr).toMatch(/rejected already/);
      const after = await emulatorApi(`/v1/charges/${String(intent.latest_charge)}`);
      expect(after.amount_refunded).toBe(5000);
      const empty = await cli(['orders:under-review'], { STRIPE_EMULATOR_PORT: emulatorPort });
      expect(empty.stdout).toBe('0 order(s) waiting for a payment review.\n');
    });

    test('orders:settle-outside closes a cancelled order holding a late payment by hand: recorded as cli, off orders:under-review', async () => {
      const variant = await aVariant(5);
      const orderId = await anOrder(variant, 1);
      // Cancelled, then paid late and its refund refused (a disputed charge).
      await sql(
        `UPDATE orders SET status = 'cancelled', amount_paid = 2500,
                review_reason = 'late_payment_refund_refused: charge_disputed' WHERE id = $1`,
        [orderId],
      );
      const listed = await cli(['orders:under-review'], { STRIPE_EMULATOR_PORT: emulatorPort });
      expect(listed.stdout).toMatch(new RegExp(`^${orderId}  .*late_payment_refund_refused`, 'm'));

      const args = ['orders:settle-outside', '--order', orderId, '--note', 'paid back by transfer'];
      const run = await cli(args, { STRIPE_EMULATOR_PORT: emulatorPort });
      expect(run).toEqual({
        code: 0,
        stdout: `Order ${orderId} is cancelled, 2500 EUR returned outside the shop (settled_outside_shop_by:cli (2500 EUR): paid back by transfer).\n`,
        stderr: '',
      });
      const [row] = await sql<{ returned: string; reason: string }>(
        'SELECT amount_returned_outside AS returned, review_reason AS reason FROM orders WHERE id = $1',
        [orderId],
      );
      expect(row).toEqual({ returned: '2500', reason: 'late_payment_settled_outside' });
      const again = await cli(args, { STRIPE_EMULATOR_PORT: emulatorPort });
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/holds no money to settle/);
      const blank = await cli(['orders:settle-outside', '--order', orderId, '--note', ' '], {
        STRIPE_EMULATOR_PORT: emulatorPort,
      });
      expect(blank.code).toBe(1);
      expect(blank.stderr).toMatch(/needs a note/);
      const empty = await cli(['orders:under-review'], { STRIPE_EMULATOR_PORT: emulatorPort });
      expect(empty.stdout).not.toContain(orderId);
    });

    test('payments:dispute opens a dispute of an order’s payment at the API’s emulator and closes it', async () => {
      const variant = await aVariant(5);
      const orderId = await anOrder(variant, 1);
      const paid = await cli(['payments:simulate', '--order', orderId, '--outcome', 'succeeded'], {
        STRIPE_EMULATOR_PORT: emulatorPort,
      });
      expect(paid.code).toBe(0);
      const opened = await cli(
        ['payments:dispute', '--order', orderId, '--reason', 'product_not_received'],
        { STRIPE_EMULATOR_PORT: emulatorPort },
      );
      expect(opened).toMatchObject({ code: 0, stderr: '' });
      const match =
        /^Dispute (dp_\S+) is needs_response; charge\.dispute\.created \(evt_\S+\) is on its way to the API\.\n$/.exec(
          opened.stdout,
        );
      expect(match).not.toBeNull();
      const disputeId = match![1]!;
      const closed = await cli(['payments:dispute', '--close', disputeId, '--outcome', 'lost'], {
        STRIPE_EMULATOR_PORT: emulatorPort,
      });
      expect(closed).toMatchObject({ code: 0, stderr: '' });
      expect(closed.stdout).toMatch(/^Dispute dp_\S+ is lost; charge\.dispute\.closed/);
      const dispute = await emulatorApi(`/v1/disputes/${disputeId}`);
      expect(dispute).toMatchObject({
        status: 'lost',
        reason: 'product_not_received',
        amount: 2500,
      });
    });

    test('orders:expire cancels unpaid orders past their reservation and releases their stock', async () => {
      const variant = await aVariant(5);
      const due = await anOrder(variant, 2);
      const notYet = await anOrder(variant, 1);
      expect(await stockOf(variant)).toEqual({ on_hand: 5, reserved: 3 });
      await sql(
        `UPDATE orders SET reservation_expires_at = now() - interval '1 minute' WHERE id = $1`,
        [due],
      );
      // Beside the API, the CLI uses its emulator, so the intent is cancelled there too.
      const run = await cli(['orders:expire'], { STRIPE_EMULATOR_PORT: emulatorPort });
      expect(run).toEqual({ code: 0, stdout: 'Expired 1 unpaid order(s).\n', stderr: '' });
      expect(await statusOf(due)).toBe('cancelled');
      expect(await statusOf(notYet)).toBe('pending_payment');
      expect(await stockOf(variant)).toEqual({ on_hand: 5, reserved: 1 });
    });
  });
});
