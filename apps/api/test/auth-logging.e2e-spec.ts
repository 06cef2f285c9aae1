import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { LogDestination } from '../src/infrastructure/logging/log-destination.js';
import { startTestApp, type TestApp } from './support/test-app.js';

// A file of its own: nestjs-pino keeps its logger in module state, so a
// second app in the same file would log through the first app's settings.

/** Collects the app's JSON log lines. */
class CapturedLog extends LogDestination {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
}

describe('what the log keeps of a failed sign-up', () => {
  let t: TestApp;
  const log = new CapturedLog();

  beforeAll(async () => {
    t = await startTestApp({
      env: { LOG_LEVEL: 'info' },
      override: (b) => b.overrideProvider(LogDestination).useValue(log),
    });
    // The database refuses this one account's insert, as an unforeseen fault
    // would, with the row in its detail as a NOT NULL or CHECK violation has
    // it; and that one's with a data exception (22P02) whose message quotes
    // the e-mail address, as a value of the wrong type has it.
    await t.db.rows(`
      CREATE FUNCTION refuse_user() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.name = 'Refused' THEN
          RAISE EXCEPTION 'storage fault' USING DETAIL = 'Failing row contains ' || NEW::text || '.';
        END IF;
        IF NEW.name = 'Miscast' THEN
          PERFORM NEW.email::uuid;
        END IF;
        RETURN NEW;
      END $$`);
    await t.db.rows(
      'CREATE TRIGGER refuse_user BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION refuse_user()',
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  test('a 500 while storing an account logs the failure, never the password hash', async () => {
    await t.http
      .post('/api/v1/auth/register')
      .send({
        email: 'refused@example.test',
        password: 'correct horse battery staple',
        name: 'Refused',
      })
      .expect(500);
    const failure = log.lines.find((l) => l.includes('storage fault'));
    expect(failure).toBeDefined();
    expect(failure).toContain('INSERT INTO');
    expect(failure).toContain('"code":"P0001"');
    for (const line of log.lines) {
      expect(line).not.toMatch(/\$argon2/);
      expect(line).not.toContain('correct horse battery staple');
      expect(line).not.toContain('refused@example.test');
    }
  });

  test('a value PostgreSQL quotes in a data exception is not logged; the code and SQL are', async () => {
    await t.http
      .post('/api/v1/auth/register')
      .send({
        email: 'miscast@example.test',
        password: 'correct horse battery staple',
        name: 'Miscast',
      })
      .expect(500);
    const failure = log.lines.find((l) => l.includes('"code":"22P02"'));
    expect(failure).toBeDefined();
    expect(failure).toContain('INSERT INTO');
    expect(failure).toContain('invalid input syntax for type uuid: \\"[redacted]\\"');
    for (const line of log.lines) expect(line).not.toContain('miscast@example.test');
  });
});
