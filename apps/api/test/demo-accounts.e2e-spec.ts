import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';

import { Argon2PasswordHasher } from '../src/auth/argon2-password-hasher.js';
import { PasswordHasher } from '../src/auth/password-hasher.js';
import { CatalogSeedService, type SeedReport } from '../src/catalog/seed/catalog-seed.service.js';
import { AppConfig } from '../src/infrastructure/config/app-config.js';
import { ConfigError } from '../src/infrastructure/config/env.schema.js';
import { API } from './support/catalog.js';
import { startTestApp, type TestApp, type TestAppOptions } from './support/test-app.js';

/**
 * The demo accounts that a non-production start seeds: their passwords are
 * random per seed unless configured, so knowing the code gives no way in.
 */

const ADMIN = 'admin@minishop.test';
const CUSTOMER = 'customer@minishop.test';
/** What the demo accounts' passwords used to be, fixed in the source. */
const OLD_FIXED: Record<string, string> = {
  [ADMIN]: 'admin-password-123',
  [CUSTOMER]: 'customer-password-123',
};

const aDataDir = () => mkdtempSync(join(tmpdir(), 'minishop-demo-'));
const credentialsFile = (dataDir: string) => join(dataDir, 'demo-accounts.txt');
const passwordOf = (report: SeedReport, email: string) =>
  report.accounts.find((a) => a.email === email)?.password;

describe('demo accounts seeded outside production', () => {
  const dirs: string[] = [];
  const apps: TestApp[] = [];
  /** Apps without overrides, by their environment: cases started alike share one. */
  const started = new Map<string, { t: TestApp; dataDir: string }>();
  const login = (t: TestApp, email: string, password: string) =>
    t.http.post(`${API}/auth/login`).send({ email, password });
  const forgetDemoAccounts = (t: TestApp) =>
    t.get(DataSource).query(`DELETE FROM users WHERE email LIKE '%@minishop.test'`);
  /**
   * An app with this environment, and a DATA_DIR of its own, in which no demo
   * account and no credentials file exist yet, as on a first start.
   */
  const start = async (env: Record<string, string> = {}, override?: TestAppOptions['override']) => {
    const key = JSON.stringify(env);
    const known = override ? undefined : started.get(key);
    if (known) {
      await forgetDemoAccounts(known.t);
      rmSync(credentialsFile(known.dataDir), { recursive: true, force: true });
      return known;
    }
    const dataDir = aDataDir();
    dirs.push(dataDir);
    const t = await startTestApp({
      env: { DATA_DIR: dataDir, LOGIN_RATE_LIMIT: '1000', LOGIN_RATE_LIMIT_IP: '1000', ...env },
      override,
    });
    apps.push(t);
    if (!override) started.set(key, { t, dataDir });
    return { t, dataDir };
  };

  afterAll(async () => {
    for (const t of apps) await t.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('a fresh seed gives each demo account a random password that signs in; the old fixed ones do not', async () => {
    const { t } = await start();
    const report = await t.get(CatalogSeedService).seed();
    expect(report.accounts.map((a) => [a.email, a.role, a.created, a.passwordFrom])).toEqual([
      [ADMIN, 'admin', true, 'generated'],
      [CUSTOMER, 'customer', true, 'generated'],
    ]);
    for (const email of [ADMIN, CUSTOMER]) {
      const password = passwordOf(report, email)!;
      expect(password).toMatch(/^[\w-]{24,}$/);
      await login(t, email, password).expect(200);
      await login(t, email, OLD_FIXED[email]!).expect(401);
    }
  });

  test('the passwords are hashed by the auth feature’s PasswordHasher, as a registration’s are', async () => {
    const hashed: string[] = [];
    class RecordingHasher extends Argon2PasswordHasher {
      override hash(password: string): Promise<string> {
        hashed.push(password);
        return super.hash(password);
      }
    }
    const { t } = await start({}, (builder) =>
      builder.overrideProvider(PasswordHasher).useClass(RecordingHasher),
    );
    const report = await t.get(CatalogSeedService).seed();
    expect(hashed).toEqual([passwordOf(report, ADMIN), passwordOf(report, CUSTOMER)]);
  });

  test('two fresh seeds give different passwords; a seed that finds the accounts shows none', async () => {
    const { t } = await start();
    const seeder = t.get(CatalogSeedService);
    const first = await seeder.seed();
    const again = await seeder.seed();
    expect(again.accounts.map((a) => [a.created, a.password])).toEqual([
      [false, null],
      [false, null],
    ]);
    await forgetDemoAccounts(t);
    const second = await seeder.seed();
    expect(passwordOf(second, ADMIN)).not.toBe(passwordOf(first, ADMIN));
    expect(passwordOf(second, CUSTOMER)).not.toBe(passwordOf(first, CUSTOMER));
    await login(t, ADMIN, passwordOf(first, ADMIN)!).expect(401);
    await login(t, ADMIN, passwordOf(second, ADMIN)!).expect(200);
  });

  test('generated passwords are written to DATA_DIR/demo-accounts.txt, readable by the owner only', async () => {
    const { t, dataDir } = await start();
    const report = await t.get(CatalogSeedService).seed();
    const file = credentialsFile(dataDir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`admin ${ADMIN} ${passwordOf(report, ADMIN)}\n`);
    expect(text).toContain(`customer ${CUSTOMER} ${passwordOf(report, CUSTOMER)}\n`);

    // A later seed that makes one account again replaces its line, keeps the other's.
    await t.get(DataSource).query(`DELETE FROM users WHERE email = $1`, [CUSTOMER]);
    const later = await t.get(CatalogSeedService).seed();
    const after = readFileSync(file, 'utf8');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(after).toContain(`admin ${ADMIN} ${passwordOf(report, ADMIN)}\n`);
    expect(after).toContain(`customer ${CUSTOMER} ${passwordOf(later, CUSTOMER)}\n`);
    expect(after).not.toContain(passwordOf(report, CUSTOMER));
  });

  test('a seed that cannot record a generated password fails and leaves that account uncreated', async () => {
    const { t, dataDir } = await start({ DEMO_ADMIN_PASSWORD: 'a configured demo admin password' });
    // A directory where the file goes: the credentials cannot be written.
    mkdirSync(credentialsFile(dataDir));
    await expect(t.get(CatalogSeedService).seed()).rejects.toThrow();
    const users = (await t
      .get(DataSource)
      .query(`SELECT email FROM users WHERE email LIKE '%@minishop.test'`)) as { email: string }[];
    // The admin's password is the configured one, known without the file.
    expect(users.map((u) => u.email)).toEqual([ADMIN]);
  });

  test('DEMO_ADMIN_PASSWORD is the admin password when set, and is not written to disk', async () => {
    const configured = 'a configured demo admin password';
    const { t, dataDir } = await start({ DEMO_ADMIN_PASSWORD: configured });
    const report = await t.get(CatalogSeedService).seed();
    const admin = report.accounts.find((a) => a.email === ADMIN);
    expect(admin).toMatchObject({ created: true, passwordFrom: 'DEMO_ADMIN_PASSWORD' });
    await login(t, ADMIN, configured).expect(200);
    const text = readFileSync(credentialsFile(dataDir), 'utf8');
    expect(text).not.toContain(configured);
    expect(text).toContain(`customer ${CUSTOMER} ${passwordOf(report, CUSTOMER)}\n`);
  });

  test('a configured password is held to the password rules, naming the variable', () => {
    expect(() => AppConfig.fromEnv({ DEMO_ADMIN_PASSWORD: 'short' })).toThrow(ConfigError);
    expect(() => AppConfig.fromEnv({ DEMO_ADMIN_PASSWORD: 'password123' })).toThrow(
      /DEMO_ADMIN_PASSWORD/,
    );
  });

  test('NODE_ENV=production never seeds the demo accounts, even through the seed command', async () => {
    const { t } = await start({
      NODE_ENV: 'production',
      JWT_SECRET: 'demo-accounts-test-secret-0123456789abcdef',
      STRIPE_EMULATOR: 'on',
      STRIPE_WEBHOOK_SECRET: 'whsec_test',
    });
    const report = await t.get(CatalogSeedService).seed();
    expect(report.productsCreated).toBeGreaterThan(0);
    expect(report.accounts).toEqual([]);
    const rows = (await t
      .get(DataSource)
      .query(`SELECT email FROM users WHERE email LIKE '%@minishop.test'`)) as unknown[];
    expect(rows).toEqual([]);
  });
});
